// Versioned binary format of a deployed binary network (browser-safe; Node file I/O is in io-node.ts).
//
//   bytes 0..7    magic "BSPKBNN\n"
//   bytes 8..11   format version (uint32 LE)
//   bytes 12..15  manifest length M (uint32 LE)
//   16..16+M      manifest: UTF-8 JSON (geometry of every layer, bit/element offsets, payload CRC-32)
//   then payload: every layer's weight bits as ONE contiguous LSB-first bit stream (⌈bits/8⌉ bytes),
//                 then every threshold as int32 LE.
//
// The payload is exactly summarizeDeployed(model).totalBits rounded up to whole bytes: 1 bit per
// weight, 32 per threshold, nothing else. Decoding validates everything (magic, version, manifest
// fields, layer chaining, lengths, CRC) before returning a fresh model, so a bad file throws and
// nothing is half-loaded.
import { crc32 } from '../data/crc32.js';
import { wordBit } from '../engine/bits.js';
import { DEPLOYED_FORMAT_VERSION, layerFanIn, layerOutputs, streamWords, type DeployedLayer, type DeployedModel } from './deploy.js';
import { checkInputSpec, encodedChannels, inputThresholds } from './inputEncoding.js';

export const BNN_MAGIC = 'BSPKBNN\n';
const HEADER_BYTES = 16;

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
  constructor(readonly source: string, message: string) {
    super(`${source}: ${message}`);
  }
}

type ManifestLayer = Record<string, number | string>;

interface Manifest {
  format: 'bitspike-bnn';
  version: number;
  input: DeployedModel['input'];
  classes: number;
  layers: ManifestLayer[];
  payload: { weightBits: number; thresholds: number; bytes: number; crc32: number };
}

const GEOMETRY: Record<DeployedLayer['kind'], string[]> = {
  conv: ['inChannels', 'outChannels', 'kernel', 'stride', 'padding', 'groups', 'inH', 'inW', 'outH', 'outW'],
  maxpool: ['channels', 'size', 'inH', 'inW', 'outH', 'outW'],
  dense: ['inChannels', 'inH', 'inW', 'units'],
  output: ['inChannels', 'inH', 'inW', 'classes'],
};

function weightBits(l: DeployedLayer): number {
  return l.kind === 'maxpool' ? 0 : layerOutputs(l) * layerFanIn(l);
}

function thresholdCount(l: DeployedLayer): number {
  return l.kind === 'conv' || l.kind === 'dense' ? layerOutputs(l) : 0;
}

export function encodeModel(m: DeployedModel): Uint8Array {
  validateModel(m, 'encodeModel');
  const wb = m.layers.reduce((s, l) => s + weightBits(l), 0);
  const nt = m.layers.reduce((s, l) => s + thresholdCount(l), 0);
  const wBytes = Math.ceil(wb / 8);
  const payload = new Uint8Array(wBytes + 4 * nt);
  const dv = new DataView(payload.buffer);
  let bit = 0, t = 0;
  const layers: ManifestLayer[] = m.layers.map((l) => {
    const entry: ManifestLayer = { kind: l.kind };
    for (const k of GEOMETRY[l.kind]) entry[k] = (l as unknown as Record<string, number>)[k];
    if (l.kind !== 'maxpool') {
      const n = weightBits(l);
      entry.weightOffset = bit;
      for (let j = 0; j < n; j++, bit++) if (wordBit(l.weights, j)) payload[bit >>> 3] |= 1 << (bit & 7);
    }
    if (l.kind === 'conv' || l.kind === 'dense') {
      entry.thresholdOffset = t;
      for (const v of l.thresholds) dv.setInt32(wBytes + 4 * t++, v, true);
    }
    return entry;
  });
  const manifest: Manifest = {
    format: 'bitspike-bnn', version: DEPLOYED_FORMAT_VERSION, input: m.input, classes: m.classes, layers,
    payload: { weightBits: wb, thresholds: nt, bytes: payload.length, crc32: crc32(payload) },
  };
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const out = new Uint8Array(HEADER_BYTES + json.length + payload.length);
  out.set(new TextEncoder().encode(BNN_MAGIC), 0);
  const hv = new DataView(out.buffer);
  hv.setUint32(8, DEPLOYED_FORMAT_VERSION, true);
  hv.setUint32(12, json.length, true);
  out.set(json, HEADER_BYTES);
  out.set(payload, HEADER_BYTES + json.length);
  return out;
}

/** Byte length of the payload section of an encoded model (weights + thresholds). */
export function payloadBytes(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes.length - HEADER_BYTES - dv.getUint32(12, true);
}

export function decodeModel(bytes: Uint8Array, source = 'model'): DeployedModel {
  const fail = (msg: string): never => { throw new ModelFormatError(source, msg); };
  if (bytes.length < HEADER_BYTES) fail(`file is ${bytes.length} bytes, too short for a bitspike BNN model`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== BNN_MAGIC) fail(`not a bitspike BNN model (bad magic ${JSON.stringify(magic)}, expected ${JSON.stringify(BNN_MAGIC)})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== DEPLOYED_FORMAT_VERSION) fail(`unsupported format version ${version} (this bitspike reads version ${DEPLOYED_FORMAT_VERSION})`);
  const mLen = dv.getUint32(12, true);
  if (HEADER_BYTES + mLen > bytes.length) fail(`manifest length ${mLen} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let man: Manifest;
  try {
    man = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + mLen))) as Manifest;
  } catch (e) {
    return fail(`manifest is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (man?.format !== 'bitspike-bnn' || man.version !== version) fail(`manifest format/version ${JSON.stringify(man?.format)}/${man?.version} does not match the header (bitspike-bnn/${version})`);
  const payload = bytes.subarray(HEADER_BYTES + mLen);
  const p = man.payload;
  if (!p || !Number.isInteger(p.weightBits) || !Number.isInteger(p.thresholds) || p.bytes !== Math.ceil(p.weightBits / 8) + 4 * p.thresholds) fail('manifest payload description is inconsistent');
  if (payload.length !== p.bytes) fail(`payload is ${payload.length} bytes, manifest says ${p.bytes} (truncated or padded file)`);
  if (crc32(payload) !== p.crc32) fail(`payload CRC-32 mismatch (${crc32(payload).toString(16)} vs ${Number(p.crc32).toString(16)}): the file is corrupted`);
  const wBytes = Math.ceil(p.weightBits / 8);
  const pv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (!Array.isArray(man.layers)) fail('manifest.layers must be an array');
  const layers = man.layers.map((e, i): DeployedLayer => {
    const kind = e?.kind as DeployedLayer['kind'];
    if (typeof kind !== 'string' || !Object.hasOwn(GEOMETRY, kind)) fail(`layer ${i}: unknown kind ${JSON.stringify(kind)}`);
    const l: Record<string, unknown> = { kind };
    for (const k of GEOMETRY[kind]) {
      if (!Number.isInteger(e[k]) || (e[k] as number) < (k === 'padding' ? 0 : 1)) fail(`layer ${i} (${kind}): ${k} must be a ${k === 'padding' ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(e[k])}`);
      l[k] = e[k];
    }
    const dl = l as unknown as DeployedLayer;
    if (kind !== 'maxpool') {
      const n = weightBits(dl), off = e.weightOffset as number;
      if (!Number.isInteger(off) || off < 0 || off + n > p.weightBits) fail(`layer ${i}: weight bits [${off}, ${off + n}) outside the ${p.weightBits}-bit stream`);
      const w = new Uint32Array(streamWords(n));
      for (let j = 0; j < n; j++) { const b = off + j; if ((payload[b >>> 3] >>> (b & 7)) & 1) w[j >>> 5] |= 1 << (j & 31); }
      l.weights = w;
    }
    if (kind === 'conv' || kind === 'dense') {
      const n = thresholdCount(dl), off = e.thresholdOffset as number;
      if (!Number.isInteger(off) || off < 0 || off + n > p.thresholds) fail(`layer ${i}: thresholds [${off}, ${off + n}) outside the ${p.thresholds} stored`);
      l.thresholds = Int32Array.from({ length: n }, (_, j) => pv.getInt32(wBytes + 4 * (off + j), true));
    }
    return dl;
  });
  const model: DeployedModel = { version, input: man.input, classes: man.classes, layers };
  try {
    validateModel(model, source);
  } catch (e) {
    return fail((e as Error).message);
  }
  return model;
}

/** Checks the input encoding and that every layer's geometry chains into the next. */
export function validateModel(m: DeployedModel, where: string): void {
  checkInputSpec(m.input);
  const t = inputThresholds(m.input);
  if (!Array.isArray(m.input.thresholds) || m.input.thresholds.length !== t.length || m.input.thresholds.some((v, i) => v !== t[i])) {
    throw new Error(`${where}: input thresholds do not match a ${m.input.levels}-level thermometer`);
  }
  let [C, H, W] = [encodedChannels(m.input), m.input.height, m.input.width];
  m.layers.forEach((l, i) => {
    const bad = (msg: string) => new Error(`${where}: layer ${i} (${l.kind}) ${msg}`);
    const inC = l.kind === 'maxpool' ? l.channels : l.inChannels;
    if (inC !== C || l.inH !== H || l.inW !== W) throw bad(`expects input ${inC}×${l.inH}×${l.inW}, previous layer gives ${C}×${H}×${W}`);
    if (l.kind === 'conv') {
      const o = (n: number) => Math.floor((n + 2 * l.padding - l.kernel) / l.stride) + 1;
      if (C % l.groups || l.outChannels % l.groups) throw bad(`groups ${l.groups} must divide ${C} and ${l.outChannels}`);
      if (l.outH !== o(H) || l.outW !== o(W)) throw bad(`output ${l.outH}×${l.outW} inconsistent with its geometry`);
      [C, H, W] = [l.outChannels, l.outH, l.outW];
    } else if (l.kind === 'maxpool') {
      if (l.outH !== Math.floor(H / l.size) || l.outW !== Math.floor(W / l.size)) throw bad('output size inconsistent with its window');
      [H, W] = [l.outH, l.outW];
    } else {
      [C, H, W] = [layerOutputs(l), 1, 1];
    }
    if (l.kind !== 'maxpool') {
      if (!(l.weights instanceof Uint32Array) || l.weights.length !== streamWords(weightBits(l))) throw bad(`needs ${weightBits(l)} weight bits`);
      if (l.kind !== 'output' && (!(l.thresholds instanceof Int32Array) || l.thresholds.length !== layerOutputs(l))) throw bad(`needs ${layerOutputs(l)} thresholds`);
    }
    if (l.kind === 'output' && i !== m.layers.length - 1) throw bad('must be the last layer');
  });
  const last = m.layers[m.layers.length - 1];
  if (!last || last.kind !== 'output' || last.classes !== m.classes) throw new Error(`${where}: the model must end with an output layer of ${m.classes} classes`);
}
