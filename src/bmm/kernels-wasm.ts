// WebAssembly SIMD BMM kernels (asm/bmm.ts, embedded as base64). Each workspace instantiates the
// module with its own non-shared memory, grown once to fit its buffers, so views never detach and
// workspaces never interfere. Node compiles the module synchronously on first use; browser main
// threads refuse synchronous compilation of modules this size, so there call `await initBmmKernels()`
// once (until then, and wherever SIMD128 is missing, 'auto' falls back to the reference kernels).
import { wasmBase64 } from './bmm.wasm.generated.js';
import { type BmmKernels, type BmmWorkspace, checkLanes, laneStride, workspaceShape } from './kernels.js';

interface BmmExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  buildTables(weights: number, P: number, stride: number, tables: number): void;
  scores(data: number, n: number, rowBytes: number, P: number, stride: number, tables: number, out: number): void;
  accumulate(data: number, n: number, rowBytes: number, P: number, stride: number, gamma: number, gammaStride: number, hist: number): void;
  logsumexp(scores: number, n: number, stride: number, K: number, consts: number, rowLogLik: number, nk: number): number;
  bitSums(hist: number, P: number, stride: number, sums: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module, or null when this runtime lacks WebAssembly/SIMD128 or refuses sync compilation. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(decodeBase64(wasmBase64)) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Compiles the module asynchronously (needed on browser main threads); resolves to availability. */
export async function initBmmKernels(): Promise<boolean> {
  if (compiled) return true;
  try {
    compiled = await WebAssembly.compile(decodeBase64(wasmBase64));
  } catch {
    compiled = null;
  }
  return compiled !== null;
}

export function wasmBmmAvailable(): boolean {
  return wasmModule() !== null;
}

const align16 = (x: number): number => (x + 15) & ~15;

class WasmWorkspace implements BmmWorkspace {
  readonly rows: number; readonly bits: number; readonly maxLanes: number;
  readonly bytePositions: number; readonly bitsPadded: number; readonly wordsPerRow: number;
  readonly weights: Float64Array;
  readonly consts: Float64Array;
  readonly gamma: Float64Array;
  readonly rowLogLik: Float64Array;
  readonly nk: Float64Array;
  private readonly ex: BmmExports;
  private readonly ptr: Record<'data' | 'weights' | 'consts' | 'tables' | 'scores' | 'gamma' | 'hist' | 'sums' | 'rowLogLik' | 'nk', number>;
  private postLanes = 0;
  private readonly scoresView: Float64Array;
  private readonly sumsView: Float64Array;

  constructor(module: WebAssembly.Module, data: Uint32Array, rows: number, bits: number, maxLanes: number) {
    const s = workspaceShape(rows, bits, maxLanes);
    this.rows = rows; this.bits = bits; this.maxLanes = maxLanes;
    this.bytePositions = s.bytePositions; this.bitsPadded = s.bitsPadded; this.wordsPerRow = s.wordsPerRow;
    this.ex = new WebAssembly.Instance(module, {}).exports as unknown as BmmExports;
    const S = laneStride(maxLanes);
    const tableBytes = s.bytePositions * 256 * S * 8;
    const sizes = {
      data: rows * s.wordsPerRow * 4,
      weights: s.bitsPadded * S * 8,
      consts: S * 8,
      tables: tableBytes,
      scores: rows * S * 8,
      gamma: rows * S * 8,
      hist: tableBytes,
      sums: s.bitsPadded * S * 8,
      rowLogLik: rows * 8,
      nk: S * 8,
    };
    let at = align16(this.ex.heapBase());
    const ptr = {} as Record<keyof typeof sizes, number>;
    for (const key of Object.keys(sizes) as (keyof typeof sizes)[]) {
      ptr[key] = at;
      at = align16(at + sizes[key]);
    }
    this.ptr = ptr;
    const have = this.ex.memory.buffer.byteLength;
    if (at > have) this.ex.memory.grow(Math.ceil((at - have) / 65536));
    const buf = this.ex.memory.buffer;
    new Uint32Array(buf, ptr.data, rows * s.wordsPerRow).set(data);
    this.weights = new Float64Array(buf, ptr.weights, s.bitsPadded * S);
    this.consts = new Float64Array(buf, ptr.consts, S);
    this.gamma = new Float64Array(buf, ptr.gamma, rows * S);
    this.rowLogLik = new Float64Array(buf, ptr.rowLogLik, rows);
    this.nk = new Float64Array(buf, ptr.nk, S);
    this.scoresView = new Float64Array(buf, ptr.scores, rows * S);
    this.sumsView = new Float64Array(buf, ptr.sums, s.bitsPadded * S);
  }

  scores(lanes: number): Float64Array {
    const S = checkLanes(this, lanes);
    const { ex, ptr } = this;
    ex.buildTables(ptr.weights, this.bytePositions, S, ptr.tables);
    ex.scores(ptr.data, this.rows, this.wordsPerRow * 4, this.bytePositions, S, ptr.tables, ptr.scores);
    return this.scoresView.subarray(0, this.rows * S);
  }

  posteriors(lanes: number): number {
    this.scores(lanes);
    const { ex, ptr } = this;
    this.nk.fill(0);
    const total = ex.logsumexp(ptr.scores, this.rows, laneStride(lanes), lanes, ptr.consts, ptr.rowLogLik, ptr.nk);
    this.postLanes = lanes;
    return total;
  }

  posterior(): Float64Array {
    return this.scoresView.subarray(0, this.rows * laneStride(this.postLanes));
  }

  bitSums(lanes: number, from: 'gamma' | 'posterior' = 'gamma'): Float64Array {
    const S = checkLanes(this, lanes);
    const { ex, ptr } = this;
    let g = ptr.gamma, gs = S;
    if (from === 'posterior') {
      if (lanes > this.postLanes) throw new RangeError(`bitSums: lanes (${lanes}) exceeds the lanes of the last posteriors() call (${this.postLanes})`);
      g = ptr.scores; gs = laneStride(this.postLanes);
    }
    ex.accumulate(ptr.data, this.rows, this.wordsPerRow * 4, this.bytePositions, S, g, gs, ptr.hist);
    ex.bitSums(ptr.hist, this.bytePositions, S, ptr.sums);
    return this.sumsView.subarray(0, this.bitsPadded * S);
  }
}

/** The wasm kernels, or null when unavailable (callers fall back to `referenceKernels`). */
export function wasmKernels(): BmmKernels | null {
  const m = wasmModule();
  if (m === null) return null;
  return { name: 'wasm', workspace: (data, rows, bits, maxLanes) => new WasmWorkspace(m, data, rows, bits, maxLanes) };
}
