// Node file I/O for binary networks: deployed models (format.ts) and training checkpoints (JSON),
// both written atomically (temp file + fsync + rename) so a crash never leaves a partial file.
import fs from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { decodeModel, encodeModel, ModelFormatError } from './format.js';
import type { DeployedModel } from './deploy.js';
import { parseCheckpoint, type TrainCheckpoint } from './train.js';

export function saveModel(file: string, m: DeployedModel): number {
  const bytes = encodeModel(m);
  writeFileAtomic(file, bytes);
  return bytes.length;
}

export function loadModel(file: string): DeployedModel {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(file, `cannot read model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeModel(bytes, file);
}

export function saveCheckpoint(file: string, c: TrainCheckpoint): void {
  writeFileAtomic(file, new TextEncoder().encode(JSON.stringify(c)));
}

export function loadCheckpoint(file: string): TrainCheckpoint {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseCheckpoint(text, file);
}
