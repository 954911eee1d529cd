// WebAssembly (SIMD128) kernels. Tensors live on the JS heap, so a call stages its inputs into an
// arena inside one shared WebAssembly.Memory, runs the kernel there and copies the outputs back.
// The exception are resident arrays (gradient buffers, ResidentHeap below): they live in the same
// memory, below the arena, and calls use them in place. The arena is reset per call and the memory
// only grows to the resident blocks plus the largest call seen, so it stays flat.
//
// Threads: every worker instantiates the same module on the same shared memory and waits on its
// slot of a small Int32Array control block. A call splits its *output* range (rows, images, planes,
// channels, elements) over the main thread and the workers. The one split reduction, the conv filter
// gradient over images, is cut into chunks fixed by the geometry and summed in chunk order, so
// results are bit-identical for any thread count. Platform glue (spawning workers) is injected as a
// WorkerSpawner: Node's lives in threads-node.ts (loaded only on demand), the browser's (Web Workers,
// usable inside a Worker of a cross-origin-isolated page) in threads-web.ts.

import { wasmBase64 } from './kernels.wasm.generated.js';
import {
  validateBatchNorm, validateBconv, validateBgemm, validateBias, validateElementwise, validateConv, validatePool, validatePopcount, validateScaleRows, validateSgemm, validateSigns,
  validateCountStats, validateSpikeArrays,
} from './reference.js';
import { packedWords, type AdamStep, type BconvGeometry, type ConvGeometry, type CountStats, type Kernels, type PoolGeometry, type ResidentArrays } from './types.js';
import { isBrowser, webThreadsUnavailableReason, webWorkerSpawner } from './threads-web.js';
import {
  CTRL_ARGS, CTRL_DONE, CTRL_EXIT, CTRL_FN, CTRL_GO, CTRL_NARGS, CTRL_SLOT, CTRL_STATUS,
  type SpawnedWorker, type WorkerInit, type WorkerSpawner,
} from './threadProtocol.js';

/** Kernel exports a worker may be asked to run, by index in the control block. */
export const WORKER_FUNCTIONS = [
  'sgemm', 'conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardFilter', 'maxPool2d', 'maxPool2dBackward',
  'avgPool2d', 'avgPool2dBackward', 'packSigns', 'unpackSigns', 'bgemm', 'popcountRows', 'conv2dBackward',
  'batchNormForward', 'batchNormBackward', 'relu', 'reluBackward', 'reduceChunks', 'bconv', 'winogradConv', 'winogradFilterGrad', 'winogradFilter', 'adamStep', 'add', 'scaleRows', 'winogradFilterGradPartials', 'winogradFilterOut',
  'spikeCounts', 'errorCounts', 'countStats', 'winograd4Filter', 'winograd4Conv', 'winograd4FilterGrad', 'winograd4FilterGradPartials', 'winograd4FilterOut',
] as const;
type KernelName = typeof WORKER_FUNCTIONS[number];
/** The typed arrays a kernel call copies in and out of the wasm memory. */
type StagedArray = Float32Array | Int32Array | Uint32Array | Uint8Array;

type Fn = (...args: number[]) => void;
type KernelExports = Record<KernelName, Fn> & {
  gemmScratchBytes(): number;
  gemmKc(): number;
  convScratchBytes(g: number): number;
  bconvScratchBytes(g: number): number;
  winogradScratchBytes(p: number): number;
  xiStride(floats: number): number;
  winogradGradScratchBytes(p: number): number;
  winograd4ScratchBytes(p: number): number;
  winograd4GradScratchBytes(p: number): number;
};

const PAGE = 65536;
const INITIAL_PAGES = 32; // must be ≥ the module's declared minimum (scripts/build-wasm.mjs)
const ARENA_BASE = 1024; // the module has no data segment; keep address 0 unused
// Columns of the im2col matrix per chunk: big enough for an efficient GEMM, small enough for cache.
const CONV_CHUNK_COLS = 1024;
// Below these sizes a thread round trip (~50 µs) costs more than it saves.
const MIN_SPLIT_FLOPS = 1 << 23;
const MIN_SPLIT_BYTES = 1 << 21;
// Upper bound on resident arrays (gradient buffers; also at most a quarter of the memory's maximum);
// past it, buffers live on the JS heap and are staged.
const RESIDENT_MAX_BYTES = 1 << 29;
// A conv filter gradient is split over image chunks (partials reduced in chunk order), or over
// its im2col rows (C·KH·KW) when there are fewer than DW_ROW_SPLIT_CHUNKS chunks (small feature
// maps: one chunk holds up to CONV_CHUNK_COLS positions, so a batch of 4×4 maps is one chunk and a
// chunk split would leave every thread but one idle) and at least DW_ROW_SPLIT_MIN rows to share.
const DW_ROW_SPLIT_CHUNKS = 4;
const DW_ROW_SPLIT_MIN = 64;
// 3×3 stride-1 convolutions with at least this many input and output channels run as Winograd
// F(2×2, 3×3) (asm/kernels/winograd.ts): forward, input gradient and filter gradient. Winograd was
// also 1.6–1.8× faster at 4 and 8 channels (even at 3 input channels), but layers that small are
// cheap, and lowering the bar changes the rounding of the small networks whose exact results the
// tests pin (SpikeGrad's event-driven equivalence among them): not re-validated yet, so it stays.
// WINOGRAD_TILES: output tiles per GEMM (a chunk of images).
const WINOGRAD_MIN_CHANNELS = 16;
const WINOGRAD_TILES = 256;
// Convs (and their gradients) whose caller accepts approximate rounding (`approximate`: Conv2d
// layers) run as F(4×4, 3×3) (asm/kernels/winograd4.ts) when its 36 products per 4×4 tile are at
// most this share of F(2×2)'s 16 per 2×2 tile over the map: a 2×2 or 6×6 map wastes too much of its 4×4 tiles.
// WINOGRAD4_TILES: output tiles per GEMM.
const WINOGRAD4_MAX_WORK = 0.75;
const WINOGRAD4_TILES = 128;
// Filter transforms of at least this many channel pairs are split over threads.
const WINOGRAD_SPLIT_FILTERS = 4096;

let compiled: WebAssembly.Module | undefined;

function decodeBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The compiled kernel module (compiled once, synchronously; throws where SIMD or threads are unsupported). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(decodeBase64(wasmBase64) as Uint8Array<ArrayBuffer>);
  return compiled;
}

// The maximum (in pages) each memory was created with: resident arrays may use a quarter of it.
const maximumPages = new WeakMap<WebAssembly.Memory, number>();

function createMemory(): WebAssembly.Memory {
  let err: unknown;
  // A large maximum lets shared memory grow in place; smaller ones for constrained address spaces.
  for (const maximum of [65536, 16384, 4096]) {
    try {
      const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared: true });
      maximumPages.set(memory, maximum);
      return memory;
    } catch (e) { err = e; }
  }
  throw err;
}

/** Whether the wasm backend can run here (WebAssembly with SIMD128, threads and SharedArrayBuffer). */
export function wasmKernelsSupported(): boolean {
  try {
    new WebAssembly.Instance(kernelModule(), { env: { memory: createMemory() } });
    return true;
  } catch {
    return false;
  }
}

function instantiate(memory: WebAssembly.Memory): KernelExports {
  const inst = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  return inst.exports as unknown as KernelExports;
}

/** Whether F(4×4, 3×3)'s work over an OH × OW output map is at most WINOGRAD4_MAX_WORK of F(2×2)'s. */
function winograd4Pays(OH: number, OW: number): boolean {
  return 36 * Math.ceil(OH / 4) * Math.ceil(OW / 4) <= WINOGRAD4_MAX_WORK * 16 * Math.ceil(OH / 2) * Math.ceil(OW / 2);
}

/**
 * A Winograd GEMM's chunk: whole images, up to `maxTiles` output tiles of `size`×`size` outputs
 * (at least one image); tiles per image.
 */
function winogradChunk(N: number, OH: number, OW: number, size = 2, maxTiles = WINOGRAD_TILES): { images: number; tiles: number } {
  const tiles = Math.ceil(OH / size) * Math.ceil(OW / size);
  return { images: Math.max(1, Math.min(N, Math.floor(maxTiles / tiles))), tiles };
}

/** Splits [0, total) into at most `parts` ranges whose interior bounds are multiples of `align`. */
function partition(total: number, parts: number, align: number): [number, number][] {
  const units = Math.ceil(total / align);
  const n = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let t = 0; t < n; t++) {
    const lo = Math.min(total, Math.floor((units * t) / n) * align);
    const hi = t === n - 1 ? total : Math.min(total, Math.floor((units * (t + 1)) / n) * align);
    if (hi > lo) out.push([lo, hi]);
  }
  return out;
}

class Pool {
  private readonly ctl: Int32Array;
  private disposed = false;
  constructor(readonly control: SharedArrayBuffer, readonly workers: SpawnedWorker[]) {
    this.ctl = new Int32Array(control);
  }

  get size(): number { return this.disposed ? 0 : this.workers.length; }

  /** Runs jobs[i] on worker i (non-blocking); `join` waits for them. */
  post(fnIndex: number, jobs: number[][]): number[] {
    const seqs: number[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const b = i * CTRL_SLOT, args = jobs[i];
      this.ctl[b + CTRL_FN] = fnIndex;
      this.ctl[b + CTRL_STATUS] = 0;
      this.ctl[b + CTRL_NARGS] = args.length;
      for (let a = 0; a < args.length; a++) this.ctl[b + CTRL_ARGS + a] = args[a] | 0;
      const seq = (this.ctl[b + CTRL_GO] + 1) | 0;
      Atomics.store(this.ctl, b + CTRL_GO, seq);
      Atomics.notify(this.ctl, b + CTRL_GO);
      seqs.push(seq);
    }
    return seqs;
  }

  join(seqs: number[], what: string): void {
    let failed = false;
    for (let i = 0; i < seqs.length; i++) {
      const at = i * CTRL_SLOT + CTRL_DONE;
      let v: number;
      let spins = 0;
      // Spin briefly (the worker's share usually ends close to ours), then sleep on the value just read.
      while ((v = Atomics.load(this.ctl, at)) !== seqs[i]) {
        if (++spins > 2000) Atomics.wait(this.ctl, at, v);
      }
      if (this.ctl[i * CTRL_SLOT + CTRL_STATUS] !== 0) failed = true;
    }
    if (failed) throw new Error(`wasm kernel ${what} failed on a worker thread`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (let i = 0; i < this.workers.length; i++) {
      const b = i * CTRL_SLOT;
      this.ctl[b + CTRL_FN] = CTRL_EXIT;
      Atomics.store(this.ctl, b + CTRL_GO, (this.ctl[b + CTRL_GO] + 1) | 0);
      Atomics.notify(this.ctl, b + CTRL_GO);
    }
    for (const w of this.workers) w.terminate();
  }
}

/**
 * Resident arrays: blocks in [ARENA_BASE, top) of the kernels' memory, each with its Float32Array
 * view for life. A released array goes to a free list by length and comes back, as the same
 * object, from a later take of that length; blocks are never handed to anything else.
 */
class ResidentHeap implements ResidentArrays {
  top = ARENA_BASE;
  bytes = 0;
  private readonly at = new WeakMap<Float32Array, number>();
  private readonly free = new Map<number, Float32Array[]>();
  private readonly freed = new WeakSet<Float32Array>();

  // At most RESIDENT_MAX_BYTES and a quarter of the memory's maximum, so calls keep room for their arena.
  private readonly budget: number;

  constructor(private readonly memory: WebAssembly.Memory, private readonly ensure: (end: number) => void) {
    this.budget = Math.min(RESIDENT_MAX_BYTES, ((maximumPages.get(memory) ?? 4096) * PAGE) / 4);
  }

  take(n: number): Float32Array | null {
    if (!Number.isInteger(n) || n < 1) return null;
    const reused = this.free.get(n)?.pop();
    if (reused) {
      this.freed.delete(reused);
      return reused;
    }
    if (this.bytes + n * 4 > this.budget) return null;
    const p = (this.top + 63) & ~63;
    try {
      this.ensure(p + n * 4);
    } catch {
      return null; // the memory cannot grow that far (a smaller maximum in some browsers): use a JS array
    }
    this.top = p + n * 4;
    this.bytes += n * 4;
    const a = new Float32Array(this.memory.buffer, p, n);
    this.at.set(a, p);
    return a;
  }

  release(a: Float32Array): boolean {
    if (!this.at.has(a)) return false;
    // A block on a free list twice would be handed to two owners at once.
    if (this.freed.has(a)) throw new Error('resident array released twice (an engine bug)');
    this.freed.add(a);
    const list = this.free.get(a.length) ?? [];
    list.push(a);
    this.free.set(a.length, list);
    return true;
  }

  owns(a: Float32Array): boolean {
    return this.at.has(a);
  }

  /** The block of a resident array (only the exact array take() returned), else undefined. */
  addressOf(a: StagedArray): number | undefined {
    return a instanceof Float32Array ? this.at.get(a) : undefined;
  }
}

class WasmKernels implements Kernels {
  readonly name = 'wasm' as const;
  private top = ARENA_BASE;
  private readonly gemmScratch: number;
  private pool: Pool | undefined;
  /** Bytes copied into and out of the wasm memory by kernel calls so far (resident operands cost none). */
  stagedBytes = 0;
  /**
   * Whether 3×3 stride-1 convs may run as Winograd F(2×2, 3×3). Off, every conv runs as im2col +
   * GEMM, which reproduces the rounding of builds before Winograd (and lets benches compare both).
   */
  winogradEnabled = true;
  /** Gradient buffers that live in this memory (see ResidentArrays); the arena starts above them. */
  readonly resident: ResidentHeap;

  constructor(readonly memory: WebAssembly.Memory, private readonly ex: KernelExports) {
    this.gemmScratch = ex.gemmScratchBytes();
    this.resident = new ResidentHeap(memory, (end) => this.ensureMemory(end));
  }

  attachPool(pool: Pool): void { this.pool = pool; }

  get threads(): number { return 1 + (this.pool?.size ?? 0); }

  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
  }

  // ---- arena ----

  private reset(): void { this.top = (this.resident.top + 63) & ~63; }

  private ensureMemory(end: number): void {
    if (end > 0xffff0000) throw new RangeError(`wasm kernels: a call needs ${end} bytes, beyond the 4 GiB wasm32 limit`);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  private alloc(bytes: number): number {
    const p = (this.top + 63) & ~63;
    const end = p + bytes;
    this.ensureMemory(end);
    this.top = end;
    return p;
  }

  /** The operand's address: a resident array's own block, else a staged copy in the arena. */
  private put(src: StagedArray): number {
    return this.resident.addressOf(src) ?? this.copyIn(src);
  }

  /** A private copy in the arena, also of a resident array (for kernels that overwrite an input). */
  private copyIn(src: StagedArray): number {
    const p = this.alloc(src.byteLength);
    new Uint8Array(this.memory.buffer, p, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    this.stagedBytes += src.byteLength;
    return p;
  }

  /** Where a kernel writes an output: a resident array's own block, else arena space that get() copies out. */
  private out(dst: StagedArray): number {
    return this.resident.addressOf(dst) ?? this.alloc(dst.byteLength);
  }

  private get(p: number, dst: StagedArray): void {
    if (this.resident.addressOf(dst) === p) return; // written in place
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(new Uint8Array(this.memory.buffer, p, dst.byteLength));
    this.stagedBytes += dst.byteLength;
  }

  /** Stages an optional operand; 0 (the kernels' "absent") when null. */
  private putOpt(src: Float32Array | null | undefined): number {
    return src ? this.put(src) : 0;
  }

  private outOpt(dst: Float32Array | null | undefined): number {
    return dst ? this.out(dst) : 0;
  }

  /** One f64 in the arena (a kernel constant that must keep every bit of a JavaScript number). */
  private putF64(value: number): number {
    const p = this.alloc(8);
    new Float64Array(this.memory.buffer, p, 1)[0] = value;
    return p;
  }

  private putInts(values: number[]): number {
    const p = this.alloc(values.length * 4);
    new Int32Array(this.memory.buffer, p, values.length).set(values);
    return p;
  }

  // ---- dispatch ----

  /** Thread count for a call of the given size (1 when not worth a round trip). */
  private fanout(big: boolean): number {
    return big ? this.threads : 1;
  }

  /** Per-thread scratch blocks of `bytes` each for `n` threads. */
  private scratch(n: number, bytes: number): number[] {
    const out: number[] = [];
    for (let t = 0; t < n; t++) out.push(this.alloc(bytes));
    return out;
  }

  /** Runs jobs[0] here and the rest on workers; each job is the full argument list for `fn`. */
  private run(fn: KernelName, jobs: number[][]): void {
    if (jobs.length === 0) return;
    const pool = this.pool;
    if (jobs.length === 1 || !pool) {
      for (const j of jobs) this.ex[fn](...j);
      return;
    }
    const seqs = pool.post(WORKER_FUNCTIONS.indexOf(fn), jobs.slice(1));
    try {
      this.ex[fn](...jobs[0]);
    } finally {
      pool.join(seqs, fn);
    }
  }

  // ---- kernels ----

  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean): void {
    validateSgemm(M, N, K, A, B, C);
    if (M === 0 || N === 0) return;
    this.reset();
    const pA = this.put(A), pB = this.put(B);
    const pC = accumulate ? this.put(C) : this.out(C);
    const lda = transA ? M : K, ldb = transB ? K : N;
    const T = this.fanout(2 * M * N * K >= MIN_SPLIT_FLOPS);
    // Split the larger output dimension, aligned to the micro-tile.
    const byRows = M >= N;
    const parts = partition(byRows ? M : N, T, byRows ? 4 : 8);
    const ws = this.scratch(parts.length, this.gemmScratch);
    const ta = transA ? 1 : 0, tb = transB ? 1 : 0, acc = accumulate ? 1 : 0;
    this.run('sgemm', parts.map(([lo, hi], t) => byRows
      ? [ta, tb, hi - lo, N, K, pA + (transA ? lo : lo * K) * 4, lda, pB, ldb, pC + lo * N * 4, N, acc, ws[t]]
      : [ta, tb, M, hi - lo, K, pA, lda, pB + (transB ? lo * K : lo) * 4, ldb, pC + lo * 4, N, acc, ws[t]]));
    this.get(pC, C);
  }

  private convGeometry(g: ConvGeometry): number {
    const ohw = g.OH * g.OW;
    const chunk = Math.max(1, Math.min(g.N, Math.floor(CONV_CHUNK_COLS / ohw)));
    return this.putInts([g.N, g.C, g.H, g.W, g.OC, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW,
      g.dilationH, g.dilationW, g.groups, g.OH, g.OW, chunk]);
  }

  private convFlops(g: ConvGeometry): number {
    return 2 * g.N * g.OC * g.OH * g.OW * (g.C / g.groups) * g.KH * g.KW;
  }

  /** Whether conv g (and its input gradient) runs as Winograd F(2×2, 3×3): a choice by geometry alone. */
  private winogradFits(g: ConvGeometry): boolean {
    return this.winogradEnabled && g.KH === 3 && g.KW === 3 && g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1 &&
      g.groups === 1 && g.padH === g.padW && g.padH <= 2 && g.C >= WINOGRAD_MIN_CHANNELS && g.OC >= WINOGRAD_MIN_CHANNELS;
  }

  /**
   * How conv2d computes the forward conv g, by geometry alone (so 1 and N threads agree): Winograd
   * F(4×4, 3×3) for an `approximate` call whose map fills 4×4 tiles well, Winograd F(2×2, 3×3)
   * for other 3×3 stride-1 convs with ≥ 16 channels, im2col + GEMM otherwise.
   */
  convAlgorithm(g: ConvGeometry, approximate = false): 'winograd4x4' | 'winograd2x2' | 'im2col' {
    if (!this.winogradFits(g)) return 'im2col';
    return approximate && winograd4Pays(g.OH, g.OW) ? 'winograd4x4' : 'winograd2x2';
  }

  /** The kernels' parameter block: N Cin H W Cout pad OH OW and the images per chunk (winogradChunk). */
  private winogradParams(N: number, Cin: number, H: number, W: number, Cout: number, pad: number, OH: number, OW: number, f4 = false): number {
    const { images } = f4 ? winogradChunk(N, OH, OW, 4, WINOGRAD4_TILES) : winogradChunk(N, OH, OW);
    return this.putInts([N, Cin, H, W, Cout, pad, OH, OW, images]);
  }

  /**
   * Runs the Winograd conv of x (N × Cin × H × W, padding `pad`) with the filters w into y
   * (N × Cout × OH × OW), over images split across threads. flip: w is the forward filter of the
   * conv whose input gradient this is (see winogradFilter). f4: F(4×4, 3×3) (winograd4Filter,
   * winograd4Conv) instead of F(2×2).
   */
  private winograd(N: number, Cin: number, H: number, W: number, Cout: number, pad: number, OH: number, OW: number,
    px: number, pw: number, flip: boolean, py: number, pb: number, relu: boolean, f4 = false): void {
    const pp = this.winogradParams(N, Cin, H, W, Cout, pad, OH, OW, f4);
    const pU = this.alloc((f4 ? 36 : 16) * this.ex.xiStride(Cout * Cin) * 4);
    const flops = 2 * N * Cout * OH * OW * Cin * 9;
    const T = this.fanout(flops >= MIN_SPLIT_FLOPS);
    // The filter transform, split over output channels when it is big enough to be worth a round trip.
    this.run(f4 ? 'winograd4Filter' : 'winogradFilter', partition(Cout, Cout * Cin >= WINOGRAD_SPLIT_FILTERS ? T : 1, 1)
      .map(([lo, hi]) => [pw, pU, Cout, Cin, flip ? 1 : 0, lo, hi]));
    const parts = partition(N, T, 1);
    const ws = this.scratch(parts.length, f4 ? this.ex.winograd4ScratchBytes(pp) : this.ex.winogradScratchBytes(pp));
    this.run(f4 ? 'winograd4Conv' : 'winogradConv', parts.map(([lo, hi], t) => [pp, px, pU, py, lo, hi, ws[t], pb, relu ? 1 : 0]));
  }

  /**
   * dw (at pdw) of Winograd-fitting conv g from x and dy. With several threads and at least as many
   * image chunks as threads, the chunks are split over the threads (each transforms only its own
   * images), their Winograd-domain partials are added in chunk order and transformed back: the same
   * bits as one thread, as long as a chunk's GEMM is one sgemm k-block (winogradFilterGradPartials).
   * Otherwise (small maps: one chunk holds the whole batch) the output channels are split. f4:
   * F(4×4, 3×3) (winograd4FilterGrad and its partials) instead of F(2×2).
   */
  private winogradGrad(g: ConvGeometry, px: number, pdy: number, pdw: number, f4 = false): void {
    const pp = this.winogradParams(g.N, g.C, g.H, g.W, g.OC, g.padH, g.OH, g.OW, f4);
    const T = this.fanout(this.convFlops(g) >= MIN_SPLIT_FLOPS);
    const { images, tiles } = f4 ? winogradChunk(g.N, g.OH, g.OW, 4, WINOGRAD4_TILES) : winogradChunk(g.N, g.OH, g.OW);
    const chunks = Math.ceil(g.N / images);
    const xis = f4 ? 36 : 16;
    const scratchBytes = f4 ? this.ex.winograd4GradScratchBytes(pp) : this.ex.winogradGradScratchBytes(pp);
    if (T > 1 && chunks >= T && images * tiles <= this.ex.gemmKc()) {
      const len = xis * this.ex.xiStride(g.OC * g.C);
      const part = this.alloc(chunks * len * 4), D = this.alloc(len * 4);
      const parts = partition(chunks, T, 1);
      const ws = this.scratch(parts.length, scratchBytes);
      this.run(f4 ? 'winograd4FilterGradPartials' : 'winogradFilterGradPartials', parts.map(([lo, hi], t) => [pp, px, pdy, part, lo, hi, ws[t]]));
      this.run('reduceChunks', partition(len, T, 4).map(([lo, hi]) => [part, chunks, len, D, lo, hi]));
      this.run(f4 ? 'winograd4FilterOut' : 'winogradFilterOut', partition(g.OC, T, 1).map(([lo, hi], t) => [pp, D, pdw, lo, hi, ws[t]]));
      return;
    }
    const parts = partition(g.OC, T, 4);
    const ws = this.scratch(parts.length, scratchBytes);
    this.run(f4 ? 'winograd4FilterGrad' : 'winogradFilterGrad', parts.map(([lo, hi], t) => [pp, px, pdy, pdw, lo, hi, ws[t]]));
  }

  conv2d(g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array, bias?: Float32Array | null, relu = false, approximate = false): void {
    validateConv('conv2d', g, x, w, y);
    validateBias('conv2d', g, bias);
    this.reset();
    const algorithm = this.convAlgorithm(g, approximate);
    if (algorithm !== 'im2col') {
      const px = this.put(x), pw = this.put(w), pb = this.putOpt(bias), py = this.out(y);
      this.winograd(g.N, g.C, g.H, g.W, g.OC, g.padH, g.OH, g.OW, px, pw, false, py, pb, relu, algorithm === 'winograd4x4');
      this.get(py, y);
      return;
    }
    const pg = this.convGeometry(g);
    const px = this.put(x), pw = this.put(w), pb = this.putOpt(bias), py = this.out(y);
    const parts = partition(g.N, this.fanout(this.convFlops(g) >= MIN_SPLIT_FLOPS), 1);
    const ws = this.scratch(parts.length, this.ex.convScratchBytes(pg));
    this.run('conv2dForward', parts.map(([lo, hi], t) => [pg, px, pw, py, lo, hi, ws[t], pb, relu ? 1 : 0]));
    this.get(py, y);
  }

  conv2dBackward(g: ConvGeometry, x: Float32Array, w: Float32Array, dy: Float32Array,
    dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, reluOut: Float32Array | null = null,
    approximate = false): void {
    validateConv('conv2dBackward', g, x, w, dy, ['x', 'w', 'dy']);
    validateBias('conv2dBackward', g, db, 'db');
    if (reluOut) validateElementwise('conv2dBackward', [['dy', dy], ['reluOut', reluOut]]);
    if (dx) validateConv('conv2dBackward', g, dx, w, dy, ['dx', 'w', 'dy']);
    if (dw) validateConv('conv2dBackward', g, x, dw, dy, ['x', 'dw', 'dy']);
    if (!dx && !dw && !db) return;
    this.reset();
    const pg = this.convGeometry(g);
    const chunk = new Int32Array(this.memory.buffer, pg, 17)[16];
    const nChunks = Math.ceil(g.N / chunk);
    // Stage only what the wanted gradients read: dx needs w, dw needs x, all need dy.
    // The ReLU mask below overwrites dy in the wasm memory: it gets a private copy.
    const pdy = reluOut ? this.copyIn(dy) : this.put(dy), pw = dx ? this.put(w) : 0, px = dw ? this.put(x) : 0;
    if (reluOut) {
      // The ReLU's backward on the staged copy of dy, in place, before the conv reads it.
      const pr = this.put(reluOut);
      this.run('reluBackward', this.elements(dy.length).map(([lo, hi]) => [pr, pdy, pdy, lo, hi]));
    }
    const pdx = this.outOpt(dx), pdb = this.outOpt(db), pdw = this.outOpt(dw);
    // Winograd takes dx and dw where it fits; the fused kernel below does the rest.
    const wino = this.winogradFits(g);
    // dx is the conv of dy with the rotated filters: F(4×4) when approximate and dx's map fills 4×4 tiles.
    if (dx && wino) this.winograd(g.N, g.OC, g.OH, g.OW, g.C, 2 - g.padH, g.H, g.W, pdy, pw, true, pdx, 0, false, approximate && winograd4Pays(g.H, g.W));
    if (dw && wino) this.winogradGrad(g, px, pdy, pdw, approximate && winograd4Pays(g.OH, g.OW));
    const dxDirect = dx && !wino, dwDirect = dw && !wino;
    // The filter gradient is split over its rows when it has enough of them, else over image
    // chunks (partials reduced below). The choice depends on the geometry only, never on the
    // thread count, so results stay bit-identical for any number of threads.
    const rows = g.C * g.KH * g.KW;
    const dwRows = nChunks < DW_ROW_SPLIT_CHUNKS && rows >= DW_ROW_SPLIT_MIN;
    const part = dwDirect ? (dwRows ? pdw : this.alloc(nChunks * dw.byteLength)) : 0;
    const T = this.fanout(this.convFlops(g) >= MIN_SPLIT_FLOPS || (!dx && !dw && dy.byteLength >= MIN_SPLIT_BYTES));
    // Each thread takes a share of the images (dx), of the filter rows or image chunks (dw) and of
    // the channels (db).
    const imgs = partition(g.N, T, 1), chans = partition(g.OC, T, 1);
    const chunks = dwRows ? partition(rows, T, 8) : partition(nChunks, T, 1);
    const n = Math.max(dxDirect ? imgs.length : 0, dwDirect ? chunks.length : 0, db ? chans.length : 0);
    const ws = this.scratch(n, dxDirect || dwDirect ? this.ex.convScratchBytes(pg) : 0);
    const none: [number, number] = [0, 0];
    const jobs: number[][] = [];
    for (let t = 0; t < n; t++) {
      const [n0, n1] = (dxDirect && imgs[t]) || none, [k0, k1] = (dwDirect && chunks[t]) || none, [c0, c1] = (db && chans[t]) || none;
      jobs.push([pg, px, pw, pdy, dxDirect ? pdx : 0, part, pdb, n0, n1, k0, k1, c0, c1, ws[t], dwRows ? 1 : 0]);
    }
    this.run('conv2dBackward', jobs);
    if (dw) {
      // The partial sums are small (chunks × filter size): reduce them here, in chunk order.
      if (dwDirect && !dwRows) this.ex.reduceChunks(part, nChunks, dw.length, pdw, 0, dw.length);
      this.get(pdw, dw);
    }
    if (dx) this.get(pdx, dx);
    if (db) this.get(pdb, db);
  }

  conv2dBackwardInput(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void {
    validateConv('conv2dBackwardInput', g, dx, w, dy, ['dx', 'w', 'dy']);
    this.reset();
    if (this.winogradFits(g)) {
      const pdy = this.put(dy), pw = this.put(w), pdx = this.out(dx);
      this.winograd(g.N, g.OC, g.OH, g.OW, g.C, 2 - g.padH, g.H, g.W, pdy, pw, true, pdx, 0, false);
      this.get(pdx, dx);
      return;
    }
    const pg = this.convGeometry(g);
    const pdy = this.put(dy), pw = this.put(w), pdx = this.out(dx);
    const parts = partition(g.N, this.fanout(this.convFlops(g) >= MIN_SPLIT_FLOPS), 1);
    const ws = this.scratch(parts.length, this.ex.convScratchBytes(pg));
    this.run('conv2dBackwardInput', parts.map(([lo, hi], t) => [pg, pdy, pw, pdx, lo, hi, ws[t]]));
    this.get(pdx, dx);
  }

  conv2dBackwardFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array): void {
    validateConv('conv2dBackwardFilter', g, x, dw, dy, ['x', 'dw', 'dy']);
    this.reset();
    if (this.winogradFits(g)) {
      const px = this.put(x), pdy = this.put(dy), pdw = this.out(dw);
      this.winogradGrad(g, px, pdy, pdw);
      this.get(pdw, dw);
      return;
    }
    const pg = this.convGeometry(g);
    const px = this.put(x), pdy = this.put(dy), pdw = this.out(dw);
    const rows = g.C * g.KH * g.KW;
    const parts = partition(rows, this.fanout(this.convFlops(g) >= MIN_SPLIT_FLOPS), 8);
    const ws = this.scratch(parts.length, this.ex.convScratchBytes(pg));
    this.run('conv2dBackwardFilter', parts.map(([lo, hi], t) => [pg, px, pdy, pdw, lo, hi, ws[t]]));
    this.get(pdw, dw);
  }

  private poolGeometry(g: PoolGeometry): number {
    return this.putInts([g.N, g.C, g.H, g.W, g.KH, g.KW, g.strideH, g.strideW, g.padH, g.padW, g.OH, g.OW]);
  }

  private planes(g: PoolGeometry): [number, number][] {
    const bytes = 4 * g.N * g.C * (g.H * g.W + g.OH * g.OW);
    return partition(g.N * g.C, this.fanout(bytes >= MIN_SPLIT_BYTES), 1);
  }

  maxPool2d(g: PoolGeometry, x: Float32Array, y: Float32Array, argmax: Int32Array | null): void {
    validatePool('maxPool2d', g, x, y, argmax ? ['argmax', argmax] : undefined);
    this.reset();
    const pg = this.poolGeometry(g);
    const px = this.put(x), py = this.out(y), pa = argmax ? this.out(argmax) : 0;
    this.run('maxPool2d', this.planes(g).map(([lo, hi]) => [pg, px, py, pa, lo, hi]));
    this.get(py, y);
    if (argmax) this.get(pa, argmax);
  }

  maxPool2dBackward(g: PoolGeometry, dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
    validatePool('maxPool2dBackward', g, dx, dy, ['argmax', argmax]);
    this.reset();
    const pg = this.poolGeometry(g);
    const pdy = this.put(dy), pa = this.put(argmax), pdx = this.out(dx);
    this.run('maxPool2dBackward', this.planes(g).map(([lo, hi]) => [pg, pdy, pa, pdx, lo, hi]));
    this.get(pdx, dx);
  }

  avgPool2d(g: PoolGeometry, x: Float32Array, y: Float32Array): void {
    validatePool('avgPool2d', g, x, y);
    this.reset();
    const pg = this.poolGeometry(g);
    const px = this.put(x), py = this.out(y);
    this.run('avgPool2d', this.planes(g).map(([lo, hi]) => [pg, px, py, lo, hi]));
    this.get(py, y);
  }

  avgPool2dBackward(g: PoolGeometry, dy: Float32Array, dx: Float32Array): void {
    validatePool('avgPool2dBackward', g, dx, dy);
    this.reset();
    const pg = this.poolGeometry(g);
    const pdy = this.put(dy), pdx = this.out(dx);
    this.run('avgPool2dBackward', this.planes(g).map(([lo, hi]) => [pg, pdy, pdx, lo, hi]));
    this.get(pdx, dx);
  }

  private channels(C: number, bytes: number): [number, number][] {
    return partition(C, this.fanout(bytes >= MIN_SPLIT_BYTES), 1);
  }

  batchNormForward(N: number, C: number, P: number, x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
    eps: number, training: boolean, mean: Float32Array, variance: Float32Array, invStd: Float32Array, y: Float32Array,
    relu = false): void {
    validateBatchNorm('batchNormForward', N, C, P, [['x', x], ['y', y]],
      [['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance], ['invStd', invStd]]);
    this.reset();
    const peps = this.alloc(8);
    new Float64Array(this.memory.buffer, peps, 1)[0] = eps;
    const px = this.put(x), pg = this.putOpt(gamma), pb = this.putOpt(beta);
    const pm = this.put(mean), pv = this.put(variance), ps = this.put(invStd), py = this.out(y);
    this.run('batchNormForward', this.channels(C, x.byteLength).map(([lo, hi]) =>
      [N, C, P, px, pg, pb, peps, training ? 1 : 0, pm, pv, ps, py, lo, hi, relu ? 1 : 0]));
    if (training) { this.get(pm, mean); this.get(pv, variance); this.get(ps, invStd); }
    this.get(py, y);
  }

  batchNormBackward(N: number, C: number, P: number, x: Float32Array, dy: Float32Array, mean: Float32Array, invStd: Float32Array,
    gamma: Float32Array | null, training: boolean, dx: Float32Array | null, dgamma: Float32Array | null, dbeta: Float32Array | null,
    reluOut: Float32Array | null = null): void {
    validateBatchNorm('batchNormBackward', N, C, P, [['x', x], ['dy', dy], ['dx', dx], ['reluOut', reluOut]],
      [['mean', mean], ['invStd', invStd], ['gamma', gamma], ['dgamma', dgamma], ['dbeta', dbeta]]);
    this.reset();
    const px = this.put(x), pdy = this.put(dy), pm = this.put(mean), ps = this.put(invStd), pg = this.putOpt(gamma);
    const pr = this.putOpt(reluOut);
    const pdx = this.outOpt(dx), pdg = this.outOpt(dgamma), pdb = this.outOpt(dbeta);
    this.run('batchNormBackward', this.channels(C, x.byteLength).map(([lo, hi]) =>
      [N, C, P, px, pdy, pm, ps, pg, training ? 1 : 0, pdx, pdg, pdb, lo, hi, pr]));
    if (dx) this.get(pdx, dx);
    if (dgamma) this.get(pdg, dgamma);
    if (dbeta) this.get(pdb, dbeta);
  }

  /** Element ranges for an element-wise kernel over n floats (aligned to whole v128s). */
  private elements(n: number): [number, number][] {
    return partition(n, this.fanout(4 * n >= MIN_SPLIT_BYTES), 16);
  }

  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamStep): void {
    validateElementwise('adamStep', [['p', p], ['g', g], ['m', m], ['v', v]]);
    if (p.length === 0) return;
    this.reset();
    const pp = this.put(p), pg = this.put(g), pm = this.put(m), pv = this.put(v);
    const ph = this.alloc(9 * 8);
    // (1 − beta) as JavaScript computes it, so the kernel's f64 arithmetic matches the reference's.
    new Float64Array(this.memory.buffer, ph, 9).set([h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.l2, h.decay, h.stepSize, h.sq, h.eps]);
    this.run('adamStep', this.elements(p.length).map(([lo, hi]) => [pp, pg, pm, pv, ph, lo, hi]));
    this.get(pp, p);
    this.get(pm, m);
    this.get(pv, v);
  }

  relu(x: Float32Array, y: Float32Array): void {
    validateElementwise('relu', [['x', x], ['y', y]]);
    if (x.length === 0) return;
    this.reset();
    const px = this.put(x), py = this.out(y);
    this.run('relu', this.elements(x.length).map(([lo, hi]) => [px, py, lo, hi]));
    this.get(py, y);
  }

  reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    validateElementwise('reluBackward', [['y', y], ['dy', dy], ['dx', dx]]);
    if (y.length === 0) return;
    this.reset();
    const py = this.put(y), pdy = this.put(dy), pdx = this.out(dx);
    this.run('reluBackward', this.elements(y.length).map(([lo, hi]) => [py, pdy, pdx, lo, hi]));
    this.get(pdx, dx);
  }

  add(a: Float32Array, b: Float32Array, y: Float32Array, relu = false): void {
    validateElementwise('add', [['a', a], ['b', b], ['y', y]]);
    if (y.length === 0) return;
    this.reset();
    const pa = this.put(a), pb = this.put(b), py = this.out(y);
    this.run('add', this.elements(y.length).map(([lo, hi]) => [pa, pb, py, relu ? 1 : 0, lo, hi]));
    this.get(py, y);
  }

  scaleRows(x: Float32Array, scale: Float32Array, y: Float32Array): void {
    const per = validateScaleRows(x, scale, y);
    if (x.length === 0) return;
    this.reset();
    const px = this.put(x), ps = this.put(scale), py = this.out(y);
    const parts = partition(scale.length, this.fanout(x.byteLength >= MIN_SPLIT_BYTES), 1);
    this.run('scaleRows', parts.map(([lo, hi]) => [px, ps, py, per, lo, hi]));
    this.get(py, y);
  }
  spikeCounts(y: Float32Array, gate: Uint8Array, theta: number, inputGate: boolean): void {
    validateSpikeArrays('spikeCounts', y, gate, null);
    if (y.length === 0) return;
    this.reset();
    const py = this.put(y), pg = this.out(gate), pt = this.putF64(theta);
    this.run('spikeCounts', this.elements(y.length).map(([lo, hi]) => [py, pg, pt, inputGate ? 1 : 0, lo, hi]));
    this.get(py, y);
    this.get(pg, gate);
  }

  errorCounts(y: Float32Array, gate: Uint8Array, e: Float32Array, theta: number, round: boolean): void {
    validateSpikeArrays('errorCounts', y, gate, e);
    if (y.length === 0) return;
    this.reset();
    const py = this.put(y), pg = this.put(gate), pe = this.out(e), pt = this.putF64(theta);
    this.run('errorCounts', this.elements(y.length).map(([lo, hi]) => [py, pg, pe, pt, round ? 1 : 0, lo, hi]));
    this.get(pe, e);
  }

  countStats(v: Float32Array, size: number, fans: Int32Array | null): CountStats {
    const rows = validateCountStats(v, size, fans);
    if (rows === 0) return { sum: 0, nonzero: 0, weighted: 0 };
    this.reset();
    const pv = this.put(v), pf = fans ? this.put(fans) : 0;
    const parts = partition(rows, this.fanout(v.byteLength >= MIN_SPLIT_BYTES), 1);
    const po = this.alloc(parts.length * 24);
    this.run('countStats', parts.map(([lo, hi], t) => [pv, size, pf, lo, hi, po + 24 * t]));
    // Integer sums in f64: exact, so the threads' parts add up to the same totals in any order.
    const o = new Float64Array(this.memory.buffer, po, 3 * parts.length);
    const r = { sum: 0, nonzero: 0, weighted: 0 };
    for (let t = 0; t < parts.length; t++) { r.sum += o[3 * t]; r.nonzero += o[3 * t + 1]; r.weighted += o[3 * t + 2]; }
    return r;
  }


  packSigns(src: Float32Array, rows: number, cols: number, dst: Uint32Array): void {
    validateSigns('packSigns', rows, cols, src, dst);
    if (rows === 0) return;
    this.reset();
    const words = packedWords(cols);
    const ps = this.put(src), pd = this.out(dst);
    const parts = partition(rows, this.fanout(src.byteLength >= MIN_SPLIT_BYTES), 1);
    this.run('packSigns', parts.map(([lo, hi]) => [ps, cols, words, pd, lo, hi]));
    this.get(pd, dst);
  }

  unpackSigns(src: Uint32Array, rows: number, cols: number, dst: Float32Array): void {
    validateSigns('unpackSigns', rows, cols, dst, src);
    if (rows === 0) return;
    this.reset();
    const words = packedWords(cols);
    const ps = this.put(src), pd = this.out(dst);
    const parts = partition(rows, this.fanout(dst.byteLength >= MIN_SPLIT_BYTES), 1);
    this.run('unpackSigns', parts.map(([lo, hi]) => [ps, cols, words, pd, lo, hi]));
    this.get(pd, dst);
  }

  bgemm(M: number, N: number, K: number, A: Uint32Array, B: Uint32Array, C: Int32Array): void {
    validateBgemm(M, N, K, A, B, C);
    if (M === 0 || N === 0) return;
    this.reset();
    const pA = this.put(A), pB = this.put(B), pC = this.out(C);
    // A bit-op is ~1/32 of a flop's work per bit here; split when it is worth ~0.5 ms.
    const parts = partition(M, this.fanout(M * N * K >= 32 * MIN_SPLIT_FLOPS), 4);
    this.run('bgemm', parts.map(([lo, hi]) => [N, K, packedWords(K), pA, pB, pC, lo, hi]));
    this.get(pC, C);
  }

  bconv(g: BconvGeometry, x: Uint32Array, w: Uint32Array, thresholds: Int32Array | null, out: Uint32Array | Int32Array): void {
    validateBconv(g, x, w, thresholds, out);
    const rows = g.n * g.outH * g.outW;
    if (rows === 0) return;
    this.reset();
    const pg = this.putInts([g.inH, g.inW, g.wpp, g.KH, g.KW, g.stride, g.pad, g.groups, g.Cg, g.OCg, g.groupWords,
      g.Kp, g.corr, g.outH, g.outW, packedWords(g.Kp), thresholds ? 0 : 1]);
    const px = this.put(x), pw = this.put(w), pt = thresholds ? this.put(thresholds) : 0, po = this.out(out);
    // Same bit-op threshold as bgemm, lowered: im2col and thresholding ride along with the popcounts.
    const parts = partition(rows, this.fanout(rows * g.groups * g.OCg * g.Kp >= MIN_SPLIT_FLOPS * 4), 4);
    const ws = this.scratch(parts.length, this.ex.bconvScratchBytes(pg));
    this.run('bconv', parts.map(([lo, hi], t) => [pg, px, pw, pt, po, lo, hi, ws[t]]));
    this.get(po, out);
  }

  popcountRows(src: Uint32Array, rows: number, bits: number, dst: Int32Array): void {
    validatePopcount(rows, bits, src, dst);
    if (rows === 0) return;
    this.reset();
    const ps = this.put(src), pd = this.out(dst);
    const parts = partition(rows, this.fanout(src.byteLength >= 4 * MIN_SPLIT_BYTES), 1);
    this.run('popcountRows', parts.map(([lo, hi]) => [ps, packedWords(bits), pd, lo, hi]));
    this.get(pd, dst);
  }
}

/** Single-thread wasm kernels with their own memory. Throws where wasm SIMD/threads are unsupported. */
export function createWasmKernels(): Kernels {
  const memory = createMemory();
  return new WasmKernels(memory, instantiate(memory));
}

/**
 * Wasm kernels on the calling thread plus `threads − 1` workers sharing its memory. The caller must
 * be allowed to block (Node's main thread or any Worker; not a browser main thread). `spawner`
 * starts the workers; by default Node's worker_threads in Node and module Web Workers (from
 * ./worker.js next to this module) in a browser Worker.
 */
export async function createThreadedWasmKernels(threads: number, spawner?: WorkerSpawner): Promise<Kernels & { dispose(): void }> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`createThreadedWasmKernels: threads must be an integer ≥ 1, got ${threads}`);
  const memory = createMemory();
  const kernels = new WasmKernels(memory, instantiate(memory));
  if (threads === 1) return kernels;
  let spawn = spawner;
  if (!spawn) {
    if (isBrowser()) {
      const reason = webThreadsUnavailableReason();
      if (reason) throw new Error(`createThreadedWasmKernels: ${reason}`);
      spawn = webWorkerSpawner();
    } else {
      const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
      if (!isNode) throw new Error('createThreadedWasmKernels: no worker spawner for this platform; pass one');
      spawn = (await import('./threads-node.js')).spawnNodeWorkers;
    }
  }
  const control = new SharedArrayBuffer((threads - 1) * CTRL_SLOT * 4);
  const inits: WorkerInit[] = [];
  for (let s = 0; s < threads - 1; s++) {
    inits.push({ module: kernelModule(), memory, control, slot: s, functions: WORKER_FUNCTIONS });
  }
  kernels.attachPool(new Pool(control, await spawn(inits)));
  return kernels;
}
