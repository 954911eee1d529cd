// WebAssembly (SIMD128) kernels. Tensors live on the JS heap, so every call stages its inputs into
// an arena inside one shared WebAssembly.Memory, runs the kernel there and copies the outputs back.
// The arena is reset per call and the memory only grows to the largest call seen, so it stays flat.
//
// Threads: every worker instantiates the same module on the same shared memory and waits on its
// slot of a small Int32Array control block. A call splits its *output* range (rows, images, planes,
// filter columns) over the main thread and the workers; reductions are never split, so results are
// bit-identical for any thread count. Platform glue (spawning workers) is injected as a
// WorkerSpawner; Node's lives in threads-node.ts and is loaded only on demand.

import { wasmBase64 } from './kernels.wasm.generated.js';
import {
  validateBgemm, validateConv, validatePool, validatePopcount, validateSgemm, validateSigns,
} from './reference.js';
import { packedWords, type ConvGeometry, type Kernels, type PoolGeometry } from './types.js';

/** Kernel exports a worker may be asked to run, by index in the control block. */
export const WORKER_FUNCTIONS = [
  'sgemm', 'conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardFilter', 'maxPool2d', 'maxPool2dBackward',
  'avgPool2d', 'avgPool2dBackward', 'packSigns', 'unpackSigns', 'bgemm', 'popcountRows',
] as const;
type KernelName = typeof WORKER_FUNCTIONS[number];

// Control block: one 32-int slot per worker (separate cache lines).
export const CTRL_SLOT = 32;
export const CTRL_GO = 0;
export const CTRL_DONE = 1;
export const CTRL_FN = 2;
export const CTRL_STATUS = 3;
export const CTRL_NARGS = 4;
export const CTRL_ARGS = 5;
/** Function index that tells a worker to leave its loop. */
export const CTRL_EXIT = -1;

/** Everything a worker needs to join the pool (structured-cloneable). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  functions: readonly string[];
}

export interface SpawnedWorker { terminate(): void }
/** Starts one worker per init (running worker.ts) and resolves once each has instantiated the module. */
export type WorkerSpawner = (inits: WorkerInit[]) => Promise<SpawnedWorker[]>;

type Fn = (...args: number[]) => void;
type KernelExports = Record<KernelName, Fn> & {
  gemmScratchBytes(): number;
  convScratchBytes(g: number): number;
};

const PAGE = 65536;
const INITIAL_PAGES = 32; // must be ≥ the module's declared minimum (scripts/build-wasm.mjs)
const ARENA_BASE = 1024; // the module has no data segment; keep address 0 unused
// Columns of the im2col matrix per chunk: big enough for an efficient GEMM, small enough for cache.
const CONV_CHUNK_COLS = 2048;
// Below these sizes a thread round trip (~50 µs) costs more than it saves.
const MIN_SPLIT_FLOPS = 1 << 23;
const MIN_SPLIT_BYTES = 1 << 21;

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

function createMemory(): WebAssembly.Memory {
  let err: unknown;
  // A large maximum lets shared memory grow in place; smaller ones for constrained address spaces.
  for (const maximum of [65536, 16384, 4096]) {
    try {
      return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared: true });
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

class WasmKernels implements Kernels {
  readonly name = 'wasm' as const;
  private top = ARENA_BASE;
  private readonly gemmScratch: number;
  private pool: Pool | undefined;

  constructor(readonly memory: WebAssembly.Memory, private readonly ex: KernelExports) {
    this.gemmScratch = ex.gemmScratchBytes();
  }

  attachPool(pool: Pool): void { this.pool = pool; }

  get threads(): number { return 1 + (this.pool?.size ?? 0); }

  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
  }

  // ---- arena ----

  private reset(): void { this.top = ARENA_BASE; }

  private alloc(bytes: number): number {
    const p = (this.top + 63) & ~63;
    const end = p + bytes;
    if (end > 0xffff0000) throw new RangeError(`wasm kernels: a call needs ${end} bytes, beyond the 4 GiB wasm32 limit`);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return p;
  }

  private put(src: Float32Array | Int32Array | Uint32Array): number {
    const p = this.alloc(src.byteLength);
    new Uint8Array(this.memory.buffer, p, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return p;
  }

  private get(p: number, dst: Float32Array | Int32Array | Uint32Array): void {
    new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(new Uint8Array(this.memory.buffer, p, dst.byteLength));
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
    const pC = accumulate ? this.put(C) : this.alloc(C.byteLength);
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

  conv2d(g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array): void {
    validateConv('conv2d', g, x, w, y);
    this.reset();
    const pg = this.convGeometry(g);
    const px = this.put(x), pw = this.put(w), py = this.alloc(y.byteLength);
    const parts = partition(g.N, this.fanout(this.convFlops(g) >= MIN_SPLIT_FLOPS), 1);
    const ws = this.scratch(parts.length, this.ex.convScratchBytes(pg));
    this.run('conv2dForward', parts.map(([lo, hi], t) => [pg, px, pw, py, lo, hi, ws[t]]));
    this.get(py, y);
  }

  conv2dBackwardInput(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void {
    validateConv('conv2dBackwardInput', g, dx, w, dy, ['dx', 'w', 'dy']);
    this.reset();
    const pg = this.convGeometry(g);
    const pdy = this.put(dy), pw = this.put(w), pdx = this.alloc(dx.byteLength);
    const parts = partition(g.N, this.fanout(this.convFlops(g) >= MIN_SPLIT_FLOPS), 1);
    const ws = this.scratch(parts.length, this.ex.convScratchBytes(pg));
    this.run('conv2dBackwardInput', parts.map(([lo, hi], t) => [pg, pdy, pw, pdx, lo, hi, ws[t]]));
    this.get(pdx, dx);
  }

  conv2dBackwardFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array): void {
    validateConv('conv2dBackwardFilter', g, x, dw, dy, ['x', 'dw', 'dy']);
    this.reset();
    const pg = this.convGeometry(g);
    const px = this.put(x), pdy = this.put(dy), pdw = this.alloc(dw.byteLength);
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

  maxPool2d(g: PoolGeometry, x: Float32Array, y: Float32Array, argmax: Int32Array): void {
    validatePool('maxPool2d', g, x, y, ['argmax', argmax]);
    this.reset();
    const pg = this.poolGeometry(g);
    const px = this.put(x), py = this.alloc(y.byteLength), pa = this.alloc(argmax.byteLength);
    this.run('maxPool2d', this.planes(g).map(([lo, hi]) => [pg, px, py, pa, lo, hi]));
    this.get(py, y);
    this.get(pa, argmax);
  }

  maxPool2dBackward(g: PoolGeometry, dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
    validatePool('maxPool2dBackward', g, dx, dy, ['argmax', argmax]);
    this.reset();
    const pg = this.poolGeometry(g);
    const pdy = this.put(dy), pa = this.put(argmax), pdx = this.alloc(dx.byteLength);
    this.run('maxPool2dBackward', this.planes(g).map(([lo, hi]) => [pg, pdy, pa, pdx, lo, hi]));
    this.get(pdx, dx);
  }

  avgPool2d(g: PoolGeometry, x: Float32Array, y: Float32Array): void {
    validatePool('avgPool2d', g, x, y);
    this.reset();
    const pg = this.poolGeometry(g);
    const px = this.put(x), py = this.alloc(y.byteLength);
    this.run('avgPool2d', this.planes(g).map(([lo, hi]) => [pg, px, py, lo, hi]));
    this.get(py, y);
  }

  avgPool2dBackward(g: PoolGeometry, dy: Float32Array, dx: Float32Array): void {
    validatePool('avgPool2dBackward', g, dx, dy);
    this.reset();
    const pg = this.poolGeometry(g);
    const pdy = this.put(dy), pdx = this.alloc(dx.byteLength);
    this.run('avgPool2dBackward', this.planes(g).map(([lo, hi]) => [pg, pdy, pdx, lo, hi]));
    this.get(pdx, dx);
  }

  packSigns(src: Float32Array, rows: number, cols: number, dst: Uint32Array): void {
    validateSigns('packSigns', rows, cols, src, dst);
    if (rows === 0) return;
    this.reset();
    const words = packedWords(cols);
    const ps = this.put(src), pd = this.alloc(dst.byteLength);
    const parts = partition(rows, this.fanout(src.byteLength >= MIN_SPLIT_BYTES), 1);
    this.run('packSigns', parts.map(([lo, hi]) => [ps, cols, words, pd, lo, hi]));
    this.get(pd, dst);
  }

  unpackSigns(src: Uint32Array, rows: number, cols: number, dst: Float32Array): void {
    validateSigns('unpackSigns', rows, cols, dst, src);
    if (rows === 0) return;
    this.reset();
    const words = packedWords(cols);
    const ps = this.put(src), pd = this.alloc(dst.byteLength);
    const parts = partition(rows, this.fanout(dst.byteLength >= MIN_SPLIT_BYTES), 1);
    this.run('unpackSigns', parts.map(([lo, hi]) => [ps, cols, words, pd, lo, hi]));
    this.get(pd, dst);
  }

  bgemm(M: number, N: number, K: number, A: Uint32Array, B: Uint32Array, C: Int32Array): void {
    validateBgemm(M, N, K, A, B, C);
    if (M === 0 || N === 0) return;
    this.reset();
    const pA = this.put(A), pB = this.put(B), pC = this.alloc(C.byteLength);
    // A bit-op is ~1/32 of a flop's work per bit here; split when it is worth ~0.5 ms.
    const parts = partition(M, this.fanout(M * N * K >= 32 * MIN_SPLIT_FLOPS), 4);
    this.run('bgemm', parts.map(([lo, hi]) => [N, K, packedWords(K), pA, pB, pC, lo, hi]));
    this.get(pC, C);
  }

  popcountRows(src: Uint32Array, rows: number, bits: number, dst: Int32Array): void {
    validatePopcount(rows, bits, src, dst);
    if (rows === 0) return;
    this.reset();
    const ps = this.put(src), pd = this.alloc(dst.byteLength);
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
 * starts the workers; by default Node's worker_threads are used.
 */
export async function createThreadedWasmKernels(threads: number, spawner?: WorkerSpawner): Promise<Kernels & { dispose(): void }> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`createThreadedWasmKernels: threads must be an integer ≥ 1, got ${threads}`);
  const memory = createMemory();
  const kernels = new WasmKernels(memory, instantiate(memory));
  if (threads === 1) return kernels;
  let spawn = spawner;
  if (!spawn) {
    const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
    if (!isNode) throw new Error('createThreadedWasmKernels: no worker spawner for this platform; pass one');
    spawn = (await import('./threads-node.js')).spawnNodeWorkers;
  }
  const control = new SharedArrayBuffer((threads - 1) * CTRL_SLOT * 4);
  const inits: WorkerInit[] = [];
  for (let s = 0; s < threads - 1; s++) {
    inits.push({ module: kernelModule(), memory, control, slot: s, functions: WORKER_FUNCTIONS });
  }
  kernels.attachPool(new Pool(control, await spawn(inits)));
  return kernels;
}
