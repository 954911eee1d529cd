// GBM's prototype memory (docs/methods-cil.md §2.3–2.6): one Bernoulli mixture per class, fitted once on
// that class's binary training embeddings and never refitted; class-balanced pseudo-embeddings are
// drawn from it fresh for every minibatch. It stores no exemplars: its size is the mixture
// parameters at the chosen precision, and the model that samples is exactly the stored one.
import { deserializeBmm, fitBmm, quantizeModel, serializeBmm, type BernoulliMixture, type PackedRows, type Precision } from '../bmm/index.js';
import { generatorMemoryBits } from '../bmm/memory.js';
import { packedWords } from '../engine/kernels/types.js';
import type { Rng } from '../engine/random.js';

export interface GenerativeMemoryConfig {
  /** Mixture components K per class (default 3). */
  components?: number;
  /** Stored precision of μ and π (default 'u8'; 'f32' keeps full precision). */
  precision?: Precision;
  /** EM restarts per class (default 3) and iteration cap (default 100). */
  restarts?: number;
  maxIterations?: number;
  /** 'byte' (8-bit thresholds, fast) or 'exact' Bernoulli draws (default 'byte' for u8/u4, 'exact' for f32). */
  sampling?: 'byte' | 'exact';
}

export interface PseudoBatch {
  codes: PackedRows;
  labels: Int32Array;
}

const MAGIC = 0x4d424721; // "!GBM" little-endian

export class GenerativeMemory {
  readonly components: number;
  readonly precision: Precision;
  readonly restarts: number;
  readonly maxIterations: number;
  readonly sampling: 'byte' | 'exact';
  private readonly models = new Map<number, BernoulliMixture>();
  private bitsPerCode = 0;

  constructor(cfg: GenerativeMemoryConfig = {}) {
    this.components = cfg.components ?? 3;
    this.precision = cfg.precision ?? 'u8';
    this.restarts = cfg.restarts ?? 3;
    this.maxIterations = cfg.maxIterations ?? 100;
    this.sampling = cfg.sampling ?? (this.precision === 'f32' ? 'exact' : 'byte');
    if (!Number.isInteger(this.components) || this.components < 1) throw new RangeError(`GenerativeMemory: components must be an integer ≥ 1, got ${cfg.components}`);
    if (!['f32', 'u8', 'u4'].includes(this.precision)) throw new RangeError(`GenerativeMemory: precision must be f32, u8 or u4, got ${String(cfg.precision)}`);
  }

  get classes(): number[] {
    return [...this.models.keys()].sort((a, b) => a - b);
  }

  get codeBits(): number {
    return this.bitsPerCode;
  }

  has(label: number): boolean {
    return this.models.has(label);
  }

  model(label: number): BernoulliMixture {
    const m = this.models.get(label);
    if (!m) throw new RangeError(`GenerativeMemory: no mixture stored for class ${label} (stored: ${this.classes.join(', ') || 'none'})`);
    return m;
  }

  /**
   * Fits class `label` on its binary embeddings (packed rows) and stores the quantized mixture.
   * K is reduced to the number of rows for tiny classes. Returns the mean log-likelihood.
   */
  fitClass(label: number, codes: PackedRows, rng: Rng): number {
    if (!Number.isInteger(label) || label < 0) throw new RangeError(`GenerativeMemory.fitClass: label must be an integer ≥ 0, got ${label}`);
    if (this.models.has(label)) throw new RangeError(`GenerativeMemory.fitClass: class ${label} is already stored; GBM never refits old prototypes`);
    if (this.bitsPerCode && codes.bits !== this.bitsPerCode) {
      throw new RangeError(`GenerativeMemory.fitClass: embeddings have ${codes.bits} bits, the memory holds ${this.bitsPerCode}-bit codes`);
    }
    const fit = fitBmm(codes, {
      components: Math.min(this.components, codes.rows), rng: rng.split(), restarts: this.restarts, maxIterations: this.maxIterations,
    });
    this.models.set(label, this.precision === 'f32' ? fit.model : quantizeModel(fit.model, this.precision));
    this.bitsPerCode = codes.bits;
    return fit.logLikelihood;
  }

  /** n pseudo-embeddings, classes drawn uniformly from `classes` (default: all stored). */
  sample(n: number, rng: Rng, classes: readonly number[] = this.classes): PseudoBatch {
    if (classes.length === 0) throw new RangeError('GenerativeMemory.sample: no classes to sample from');
    const words = packedWords(this.bitsPerCode);
    const data = new Uint32Array(n * words);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = classes[rng.int(classes.length)];
    // Group rows by class so each mixture samples in one call.
    const byClass = new Map<number, number[]>();
    labels.forEach((c, i) => { const l = byClass.get(c); if (l) l.push(i); else byClass.set(c, [i]); });
    for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
      const rows = byClass.get(c)!;
      const s = this.model(c).sample(rows.length, rng, { method: this.sampling });
      rows.forEach((r, j) => data.set(s.rows.data.subarray(j * words, (j + 1) * words), r * words));
    }
    return { codes: { data, rows: n, bits: this.bitsPerCode }, labels };
  }

  /** Bits of stored parameters: C · K · (D · b_μ + b_π) at the stored precision. */
  memoryBits(precision: Precision = this.precision): number {
    return generatorMemoryBits([...this.models.values()], precision);
  }

  /** Binary form: magic, class count, then per class (label, byte length, serialized BMM). */
  serialize(): Uint8Array {
    const parts = this.classes.map((c) => ({ c, bytes: serializeBmm(this.model(c), this.precision) }));
    const cfg = new TextEncoder().encode(JSON.stringify({ components: this.components, precision: this.precision, restarts: this.restarts, maxIterations: this.maxIterations, sampling: this.sampling }));
    const total = 12 + cfg.length + parts.reduce((s, p) => s + 8 + p.bytes.length, 0);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, MAGIC, true);
    dv.setUint32(4, cfg.length, true);
    out.set(cfg, 8);
    let o = 8 + cfg.length;
    dv.setUint32(o, parts.length, true); o += 4;
    for (const p of parts) {
      dv.setUint32(o, p.c, true); dv.setUint32(o + 4, p.bytes.length, true);
      out.set(p.bytes, o + 8);
      o += 8 + p.bytes.length;
    }
    return out;
  }

  static deserialize(bytes: Uint8Array): GenerativeMemory {
    const fail = (why: string): never => { throw new TypeError(`GenerativeMemory.deserialize: ${why}`); };
    if (bytes.length < 12) fail(`${bytes.length} bytes is too short for a GBM memory`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== MAGIC) fail('bad magic number (not a GBM memory)');
    const cfgLen = dv.getUint32(4, true);
    if (8 + cfgLen + 4 > bytes.length) fail('truncated header');
    let cfg: GenerativeMemoryConfig;
    try { cfg = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + cfgLen))) as GenerativeMemoryConfig; } catch { return fail('corrupt configuration'); }
    const mem = new GenerativeMemory(cfg);
    let o = 8 + cfgLen;
    const n = dv.getUint32(o, true); o += 4;
    for (let i = 0; i < n; i++) {
      if (o + 8 > bytes.length) fail(`truncated at class ${i} of ${n}`);
      const c = dv.getUint32(o, true), len = dv.getUint32(o + 4, true);
      if (o + 8 + len > bytes.length) fail(`class ${c} claims ${len} bytes but only ${bytes.length - o - 8} remain`);
      const m = deserializeBmm(bytes.subarray(o + 8, o + 8 + len));
      if (mem.bitsPerCode && m.bits !== mem.bitsPerCode) fail(`class ${c} has ${m.bits}-bit prototypes, others ${mem.bitsPerCode}`);
      mem.models.set(c, m);
      mem.bitsPerCode = m.bits;
      o += 8 + len;
    }
    if (o !== bytes.length) fail(`${bytes.length - o} trailing bytes`);
    return mem;
  }
}
