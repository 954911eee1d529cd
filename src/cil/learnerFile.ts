// One file for a whole class-incremental learner, shared by the browser app and Node (`bitspike
// predict`). Platform-neutral: no Node imports, so the web worker and the CLI run the same bytes.
//
// Layout (little-endian):
//   0   8 bytes  magic "BSLEARN\0"
//   8   uint32   format version (1)
//   12  uint32   CRC-32 of the payload
//   16  uint32   payload length in bytes
//   20  payload  zlib-deflated (fflate, deterministic) UTF-8 JSON { spec, state, meta }
//
// `spec` is everything needed to build the learner again (model, input size, class count, training,
// budget, strategy name + options, seed); `state` is Learner.state() (weights, class map, PRNG,
// optimizer, strategy state such as the GBM mixtures); `meta` is free-form JSON for the application
// (class names, per-task accuracy history). A learner is restored by building it from `spec` and
// loading `state`, so predictions are bit-identical wherever the same kernels run.
import { unzlibSync, zlibSync } from 'fflate';
import { crc32 } from '../data/crc32.js';
import { DEFAULT_BUDGET, type BudgetConfig } from './budget.js';
import { Learner, type LearnerState, type TrainingConfig } from './learner.js';
import type { ModelConfig } from './model.js';
import { ConfigError, validateObject } from './schema.js';
import { strategyEntry } from './strategies/index.js';

export const LEARNER_FILE_MAGIC = 'BSLEARN\0';
export const LEARNER_FILE_VERSION = 1;
export const LEARNER_FILE_EXTENSION = '.bslearner';
const HEADER_BYTES = 20;

/** Everything needed to build a fresh learner (Learner's options with the strategy by name). */
export interface LearnerSpec {
  model: ModelConfig;
  inputDim: number;
  numClasses: number;
  training: TrainingConfig;
  budget: BudgetConfig;
  strategy: { name: string; options: Record<string, unknown> };
  seed: number;
}

export interface LearnerFile {
  spec: LearnerSpec;
  state: LearnerState;
  meta: Record<string, unknown>;
}

export class LearnerFileError extends Error {
  override name = 'LearnerFileError';
  constructor(readonly source: string, message: string) {
    super(`${source}: ${message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a spec's shape and fills strategy option defaults (unknown options are rejected). */
export function normalizeSpec(raw: unknown, source = 'learner spec'): LearnerSpec {
  if (!isObject(raw)) throw new ConfigError(`${source}: expected an object, got ${JSON.stringify(raw)}`);
  const s = raw as Partial<LearnerSpec>;
  for (const k of ['inputDim', 'numClasses', 'seed'] as const) {
    if (!Number.isInteger(s[k]) || (s[k] as number) < (k === 'seed' ? 0 : 1)) throw new ConfigError(`${source}.${k}: expected an integer ≥ ${k === 'seed' ? 0 : 1}, got ${JSON.stringify(s[k])}`);
  }
  for (const k of ['model', 'training', 'budget', 'strategy'] as const) {
    if (!isObject(s[k])) throw new ConfigError(`${source}.${k}: expected an object, got ${JSON.stringify(s[k])}`);
  }
  const st = s.strategy as { name?: unknown; options?: unknown };
  if (typeof st.name !== 'string') throw new ConfigError(`${source}.strategy.name: expected a strategy name, got ${JSON.stringify(st.name)}`);
  let entry;
  try { entry = strategyEntry(st.name); } catch (e) { throw new ConfigError(`${source}.strategy.name: ${(e as Error).message}`); }
  const options = validateObject(entry.options, st.options ?? {}, `${source}.strategy.options`);
  const b = s.budget as Partial<BudgetConfig>;
  const budget: BudgetConfig = {
    totalBits: b.totalBits ?? DEFAULT_BUDGET.totalBits, bufferBits: b.bufferBits ?? DEFAULT_BUDGET.bufferBits,
    countTrainingState: b.countTrainingState ?? DEFAULT_BUDGET.countTrainingState,
  };
  return {
    model: s.model as ModelConfig, inputDim: s.inputDim!, numClasses: s.numClasses!, training: s.training as TrainingConfig,
    budget, strategy: { name: st.name, options }, seed: s.seed!,
  };
}

/** A fresh learner built from a spec (the constructor validates model, training and budget). */
export function createLearner(spec: LearnerSpec): Learner {
  const n = normalizeSpec(spec);
  return new Learner({
    model: n.model, inputDim: n.inputDim, numClasses: n.numClasses, training: n.training, budget: n.budget,
    strategy: strategyEntry(n.strategy.name).create(n.strategy.options), seed: n.seed,
  });
}

/** Encodes a learner (built from `spec`) with its state and application metadata. */
export function encodeLearnerFile(spec: LearnerSpec, learner: Learner, meta: Record<string, unknown> = {}): Uint8Array {
  const json = JSON.stringify({ spec: normalizeSpec(spec), state: learner.state(), meta });
  const payload = zlibSync(new TextEncoder().encode(json), { level: 6 });
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  for (let i = 0; i < 8; i++) out[i] = LEARNER_FILE_MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, LEARNER_FILE_VERSION, true);
  dv.setUint32(12, crc32(payload), true);
  dv.setUint32(16, payload.length, true);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Parses and checks a learner file (magic, version, checksum, JSON structure). */
export function decodeLearnerFile(bytes: Uint8Array, source = 'learner file'): LearnerFile {
  const fail = (why: string): never => { throw new LearnerFileError(source, why); };
  if (!(bytes instanceof Uint8Array)) fail('expected the file bytes as a Uint8Array');
  if (bytes.length < HEADER_BYTES) fail(`${bytes.length} bytes is too short for a bitspike learner file (header is ${HEADER_BYTES} bytes)`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== LEARNER_FILE_MAGIC.charCodeAt(i)) fail('not a bitspike learner file (bad magic; expected "BSLEARN")');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== LEARNER_FILE_VERSION) fail(`unsupported learner file version ${version} (this bitspike reads version ${LEARNER_FILE_VERSION})`);
  const length = dv.getUint32(16, true);
  if (bytes.length !== HEADER_BYTES + length) fail(`truncated or padded: header announces ${length} payload bytes, file has ${bytes.length - HEADER_BYTES}`);
  const payload = bytes.subarray(HEADER_BYTES);
  if (crc32(payload) !== dv.getUint32(12, true)) fail('checksum mismatch: the file is corrupt');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(unzlibSync(payload)));
  } catch (e) {
    return fail(`payload does not decode (${(e as Error).message})`);
  }
  if (!isObject(parsed)) return fail('payload is not an object');
  if (!isObject(parsed.state) || (parsed.state as { version?: unknown }).version !== 1) fail('missing or unsupported learner state');
  let spec: LearnerSpec;
  try { spec = normalizeSpec(parsed.spec, 'spec'); } catch (e) { return fail((e as Error).message); }
  return { spec, state: parsed.state as unknown as LearnerState, meta: isObject(parsed.meta) ? parsed.meta : {} };
}

/** Builds the learner described by a decoded file and loads its state. */
export function restoreLearner(file: LearnerFile, source = 'learner file'): Learner {
  const learner = createLearner(file.spec);
  const state = file.state;
  try {
    learner.loadState(state);
  } catch (e) {
    throw new LearnerFileError(source, `state does not fit its spec (${(e as Error).message})`);
  }
  // Output units must map to the same classes as when saved, or every prediction would be relabelled.
  const want = file.state.classMap;
  if (learner.classMap.length !== want.length || learner.classMap.some((c, i) => c !== want[i])) {
    throw new LearnerFileError(source, `class map [${want.join(', ')}] came back as [${learner.classMap.join(', ')}] after Learner.loadState`);
  }
  return learner;
}

/** decodeLearnerFile + restoreLearner. */
export function loadLearnerFile(bytes: Uint8Array, source = 'learner file'): { learner: Learner; spec: LearnerSpec; meta: Record<string, unknown> } {
  const file = decodeLearnerFile(bytes, source);
  return { learner: restoreLearner(file, source), spec: file.spec, meta: file.meta };
}
