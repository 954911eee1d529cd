import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/cli/commands/bnn.js';
import { UsageError } from '../../src/cli/args.js';
import { Rng } from '../../src/engine/random.js';
import { BinaryNet } from '../../src/bnn/binaryNet.js';
import { deploy } from '../../src/bnn/deploy.js';
import { saveModel } from '../../src/bnn/io-node.js';
import { randomSpec } from './helpers.js';

test('bnn CLI: summary and export of a saved model; bad flags and missing files are clear errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-cli-'));
  try {
    const file = path.join(dir, 'm.bsbnn');
    saveModel(file, deploy(new BinaryNet(randomSpec(new Rng(4)), new Rng(5))));
    const log = console.log;
    const lines: string[] = [];
    console.log = (s: string) => { lines.push(String(s)); };
    try {
      assert.equal(await run(['summary', '--model', file]), 0);
      assert.equal(await run(['export', '--model', file, '--out-dir', path.join(dir, 'c'), '--name', 'net']), 0);
    } finally {
      console.log = log;
    }
    assert.match(lines.join('\n'), /memory: \d+ bits = [\d.]+ Mb/);
    assert.ok(fs.existsSync(path.join(dir, 'c', 'net.h')) && fs.existsSync(path.join(dir, 'c', 'net.c')));
    await assert.rejects(run(['summary']), (e: unknown) => e instanceof UsageError && /--model is required/.test(e.message));
    await assert.rejects(run(['train', 'fashion-mnist', '--preset', 'huge']), /--preset must be one of/);
    await assert.rejects(run(['frobnicate']), /unknown subcommand 'frobnicate'/);
    await assert.rejects(run(['summary', '--model', path.join(dir, 'missing.bsbnn')]), /missing\.bsbnn: cannot read model file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
