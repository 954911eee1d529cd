// The contract between the autograd engine and its compute kernels. Two implementations exist side
// by side: `reference` (plain TypeScript, the test oracle and fallback) and `wasm` (AssemblyScript
// SIMD128, optionally split over worker threads). All arrays are row-major; images are NCHW;
// conv weights are [OC, C/groups, KH, KW]. Kernels never allocate their outputs: callers pass them.
//
// Results must not depend on the thread count: work is split over output elements, and a reduction
// only over chunks fixed by the shapes (summed in a fixed order), so a run with 1 or N threads is
// bit-identical.

export interface ConvGeometry {
  readonly N: number; readonly C: number; readonly H: number; readonly W: number;
  readonly OC: number; readonly KH: number; readonly KW: number;
  readonly strideH: number; readonly strideW: number;
  readonly padH: number; readonly padW: number;
  readonly dilationH: number; readonly dilationW: number;
  readonly groups: number;
  readonly OH: number; readonly OW: number;
}

export interface PoolGeometry {
  readonly N: number; readonly C: number; readonly H: number; readonly W: number;
  readonly KH: number; readonly KW: number;
  readonly strideH: number; readonly strideW: number;
  readonly padH: number; readonly padW: number;
  readonly OH: number; readonly OW: number;
}

/**
 * A deployed binary conv on bit-packed feature maps (dense layers are convs covering the whole map):
 * n images of inH×inW pixels, wpp words per pixel (channels LSB first). The im2col row of an output
 * pixel holds, per kernel tap, its group's channel bits: whole words when groupWords > 0 (channel
 * tails are zero), bit-gathered otherwise. Rows have Kp bits; padding taps stay 0 (= −1); corr is
 * the number of row bits that are not weights (they XNOR to +1 with the weights' zero bits).
 */
export interface BconvGeometry {
  readonly n: number; readonly inH: number; readonly inW: number; readonly wpp: number;
  readonly KH: number; readonly KW: number; readonly stride: number; readonly pad: number;
  readonly groups: number; readonly Cg: number; readonly OCg: number;
  readonly groupWords: number; readonly Kp: number; readonly corr: number;
  readonly outH: number; readonly outW: number;
}

/**
 * Bit-packed layout (see docs/formats.md): 32-bit words (Uint32Array), bit j of a row lives in word
 * j >>> 5 at bit position j & 31 (LSB first). Each row is padded with zero bits to a multiple of
 * 64 bits, so a row of `bits` values takes `packedWords(bits)` words. Bit 1 encodes +1, bit 0
 * encodes −1. Padding bits are zero in every operand, so XNOR-popcount over whole words stays exact.
 */
export function packedWords(bits: number): number {
  return Math.ceil(bits / 64) * 2;
}

/**
 * Float arrays that live inside a backend's own memory, so kernel calls read and write them in
 * place instead of copying them in and out. Their lifetime is explicit: take() hands one out,
 * release() returns it for reuse (the same array object comes back from a later take of that
 * length). The buffer pool uses them for gradient buffers, whose lifetime the autograd tape knows
 * (docs/architecture.md); nothing else should hold one after releasing it.
 */
export interface ResidentArrays {
  /** A resident array of n floats (contents unspecified), or null when the budget is used up. */
  take(n: number): Float32Array | null;
  /** Returns an array from take() for reuse; false (and nothing done) for any other array. */
  release(a: Float32Array): boolean;
  /** Whether `a` is one of this backend's resident arrays. */
  owns(a: Float32Array): boolean;
  /** Bytes of all resident arrays ever handed out (in use or free for reuse): flat once a loop has warmed up. */
  readonly bytes: number;
}

/** What countStats returns. */
export interface CountStats { readonly sum: number; readonly nonzero: number; readonly weighted: number }

/**
 * The constants of one Adam step: with d = g + l2·p, m ← beta1·m + (1 − beta1)·d,
 * v ← beta2·v + (1 − beta2)·d·d, p ← p·decay − stepSize·m / (√v / sq + eps), where stepSize =
 * lr / (1 − beta1^t) and sq = √(1 − beta2^t); l2 = weight decay for Adam, decay = 1 − lr·wd for AdamW.
 */
export interface AdamStep {
  readonly beta1: number; readonly beta2: number; readonly l2: number; readonly decay: number;
  readonly stepSize: number; readonly sq: number; readonly eps: number;
}

export interface Kernels {
  readonly name: 'reference' | 'wasm';
  /** Resident arrays of this backend, where it has its own memory (wasm); absent otherwise. */
  readonly resident?: ResidentArrays;
  /** Bytes copied between JS arrays and the backend's memory so far (wasm; a cost meter for tests and benches). */
  readonly stagedBytes?: number;
  /**
   * wasm: whether 3×3 stride-1 convs with ≥ 16 input and output channels (forward and input
   * gradient) run as Winograd F(2×2, 3×3), about 2× faster, at rounding that differs from im2col +
   * GEMM (docs/architecture.md). Default true; false reproduces the rounding of earlier builds.
   */
  winogradEnabled?: boolean;
  /** wasm: how conv2d computes conv g (by geometry alone); the reference backend is always direct. */
  convAlgorithm?(g: ConvGeometry, approximate?: boolean): 'winograd4x4' | 'winograd2x2' | 'im2col';
  /** C (M×N) = op(A) · op(B) (+ C when accumulate). op(A) is M×K, op(B) is K×N. */
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
    A: Float32Array, B: Float32Array, C: Float32Array, accumulate: boolean): void;
  /**
   * y = conv2d(x, w) (+ bias[oc], added after the sum, when given), then max(y, 0) as the relu
   * kernel computes it when `relu`. x: N×C×H×W, y: N×OC×OH×OW. `approximate`: the caller accepts
   * rounding that does not keep integer-valued sums exact (float networks' Conv2d layers): wasm may
   * then run a 3×3 stride-1 conv as Winograd F(4×4, 3×3), whose transforms divide by 6 and 24;
   * without it, results on integer-valued operands (binary and spiking networks) stay exact.
   */
  conv2d(g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array, bias?: Float32Array | null, relu?: boolean, approximate?: boolean): void;
  /** dx = ∂L/∂x given dy (overwrites dx). */
  conv2dBackwardInput(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  /** dw = ∂L/∂w given x and dy (overwrites dw). */
  conv2dBackwardFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  /**
   * Every wanted conv gradient from one staging of the operands: dx (needs w), dw (needs x) and the
   * bias gradient db[oc] = Σ dy over images and positions. Pass null for gradients not wanted.
   * With `reluOut` (the output of a conv2d run with `relu`), dy is the gradient of the ReLU's
   * output and is first masked as reluBackward does (dy where reluOut > 0, else +0).
   * `approximate`: as conv2d's, for dx (the conv of dy with the rotated filters) and dw.
   */
  conv2dBackward(g: ConvGeometry, x: Float32Array, w: Float32Array, dy: Float32Array,
    dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, reluOut?: Float32Array | null, approximate?: boolean): void;
  /**
   * Max pooling; argmax receives the flat index into x of each output's maximum (first max wins;
   * padding never wins), or is null where no backward will need it (inference: nothing to write or copy out).
   */
  maxPool2d(g: PoolGeometry, x: Float32Array, y: Float32Array, argmax: Int32Array | null): void;
  /** dx = scatter-add of dy at argmax (overwrites dx). */
  maxPool2dBackward(g: PoolGeometry, dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;
  /** Average pooling; padded cells count in the divisor (PyTorch's count_include_pad=True). */
  avgPool2d(g: PoolGeometry, x: Float32Array, y: Float32Array): void;
  avgPool2dBackward(g: PoolGeometry, dy: Float32Array, dx: Float32Array): void;
  /**
   * Batch-norm forward over x = [N, C, P] (P = H·W). training: writes mean, variance (biased) and
   * invStd = 1/√(variance + eps) per channel; otherwise reads mean and invStd (variance unused).
   * y = (x − mean)·invStd·γ + β, with γ = 1 and β = 0 when null; with `relu`, y = max(that, 0)
   * exactly as the relu kernel computes it (a batch norm and the ReLU after it in one pass).
   */
  batchNormForward(N: number, C: number, P: number, x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
    eps: number, training: boolean, mean: Float32Array, variance: Float32Array, invStd: Float32Array, y: Float32Array,
    relu?: boolean): void;
  /**
   * Batch-norm backward (x̂ = (x − mean)·invStd): dbeta = Σ dy, dgamma = Σ dy·x̂ per channel and
   * dx = γ·invStd·(dy − mean(dy) − x̂·mean(dy·x̂)) when training, γ·invStd·dy otherwise. Null outputs are skipped.
   * With `reluOut` (the output of a forward run with `relu`), dy is the gradient of the ReLU's
   * output and is first masked as reluBackward does (dy where reluOut > 0, else +0).
   */
  batchNormBackward(N: number, C: number, P: number, x: Float32Array, dy: Float32Array, mean: Float32Array, invStd: Float32Array,
    gamma: Float32Array | null, training: boolean, dx: Float32Array | null, dgamma: Float32Array | null, dbeta: Float32Array | null,
    reluOut?: Float32Array | null): void;
  /**
   * One Adam / AdamW step in place over parameters p with gradient g and moments m, v (all the same
   * length), computed in f64 and rounded to f32 on each store (see AdamStep); every backend gives
   * the same bits.
   */
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamStep): void;
  /** y = max(x, 0): negatives and −0 become +0, NaN stays NaN. */
  relu(x: Float32Array, y: Float32Array): void;
  /** dx = dy where y > 0, +0 elsewhere (y is relu's output). */
  reluBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** y = a + b (f32 sums), then max(y, 0) as relu computes it when `relu`: a residual sum and its ReLU in one pass. */
  add(a: Float32Array, b: Float32Array, y: Float32Array, relu?: boolean): void;
  /** y[r·per + i] = x[r·per + i]·scale[r] (f32 products), per = x.length / scale.length: per-channel scaling of conv weights. */
  scaleRows(x: Float32Array, scale: Float32Array, y: Float32Array): void;
  /**
   * SpikeGrad forward counts in place (src/snn/fastPath.ts): where I = y[i] > 0, y[i] = ⌊I/theta⌋
   * (quotient and floor in f64) and gate[i] = 1 if inputGate or that count > 0; elsewhere y[i] = +0
   * and gate[i] = 0.
   */
  spikeCounts(y: Float32Array, gate: Uint8Array, theta: number, inputGate: boolean): void;
  /**
   * SpikeGrad error counts: e[i] = trunc(y[i]/theta) (⌊y[i]/theta + ½⌋ when `round`), in f64 and with
   * −0 made +0, where gate[i] ≠ 0; +0 elsewhere.
   */
  errorCounts(y: Float32Array, gate: Uint8Array, e: Float32Array, theta: number, round: boolean): void;
  /**
   * Activity of rows of `size` integer counts: Σ|v|, the number of non-zero counts, and Σ|v|·fans[j]
   * over each row's positions j (0 without fans). Sums of integers in f64, exact in any order.
   */
  countStats(v: Float32Array, size: number, fans: Int32Array | null): CountStats;
  /** Packs rows×cols signs (x ≥ 0 → 1) into dst with the layout above. */
  packSigns(src: Float32Array, rows: number, cols: number, dst: Uint32Array): void;
  /** Unpacks to ±1 floats. */
  unpackSigns(src: Uint32Array, rows: number, cols: number, dst: Float32Array): void;
  /** C[m·N+n] = Σ_k a[m,k]·b[n,k] over ±1 values = K − 2·popcount(a_m XOR b_n). A: M packed rows, B: N packed rows. */
  bgemm(M: number, N: number, K: number, A: Uint32Array, B: Uint32Array, C: Int32Array): void;
  /** dst[r] = number of 1 bits in packed row r. */
  popcountRows(src: Uint32Array, rows: number, bits: number, dst: Int32Array): void;
  /**
   * y = Kp − 2·popcount(row XOR w_oc) − corr, the ±1 dot product, for every output pixel and channel
   * (w: groups·OCg packed rows of Kp bits). With thresholds, out is a Uint32Array of ⌈OC/32⌉ words per
   * pixel holding the bits y ≥ thresholds[oc]; without, an Int32Array of the OC scores per pixel.
   */
  bconv(g: BconvGeometry, x: Uint32Array, w: Uint32Array, thresholds: Int32Array | null, out: Uint32Array | Int32Array): void;
}
