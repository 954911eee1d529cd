// Kernel microbenchmarks: float GEMM shapes from the small CNN, the binary GEMM, the small CNN's conv
// layers (plain, fused bias, one-pass backward) and ResNet-8's batch norm, for the reference
// backend, wasm on one thread and wasm on ctx.threads threads.
import { emit, measure, measurePaired, round, type BenchContext } from './harness.js';
import { Rng } from '../src/engine/random.js';
import { referenceKernels } from '../src/engine/kernels/reference.js';
import { createThreadedWasmKernels, createWasmKernels } from '../src/engine/kernels/wasm.js';
import { packedWords, type ConvGeometry, type Kernels } from '../src/engine/kernels/types.js';

// [label, M, K, N, transA, transB] — labels follow docs/runtime-notes (M×K×N).
const GEMMS: [string, number, number, number, boolean, boolean][] = [
  ['sgemm 512x512x512', 512, 512, 512, false, false],
  ['sgemm 256x1152x1024', 256, 1152, 1024, false, false],
  ['sgemm 7744x288x64', 7744, 288, 64, false, false],
  ['sgemm At 288x7744x64', 288, 7744, 64, true, false],
  ['sgemm Bt 7744x64x288', 7744, 64, 288, false, true],
];

// Small-CNN conv2: 64 images of 32×13×13 → 64 channels, 3×3 valid.
const CONV2: ConvGeometry = {
  N: 64, C: 32, H: 13, W: 13, OC: 64, KH: 3, KW: 3, strideH: 1, strideW: 1, padH: 0, padW: 0,
  dilationH: 1, dilationW: 1, groups: 1, OH: 11, OW: 11,
};

// Small-CNN conv1: 64 images of 1×28×28 → 32 channels, 3×3 valid.
const CONV1: ConvGeometry = {
  N: 64, C: 1, H: 28, W: 28, OC: 32, KH: 3, KW: 3, strideH: 1, strideW: 1, padH: 0, padW: 0,
  dilationH: 1, dilationW: 1, groups: 1, OH: 26, OW: 26,
};

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

export async function runKernelBench(ctx: BenchContext): Promise<void> {
  const rng = new Rng(2024);
  // The plain-TS reference takes seconds per conv call; --quick leaves it out.
  const backends: [Kernels, number][] = ctx.quick ? [[createWasmKernels(), 1]] : [[referenceKernels, 1], [createWasmKernels(), 1]];
  let pool: (Kernels & { dispose(): void }) | undefined;
  if (ctx.threads > 1) {
    pool = await createThreadedWasmKernels(ctx.threads);
    backends.push([pool, ctx.threads]);
  }
  const opts = (k: Kernels) => (k.name === 'reference'
    ? { warmup: 1, minRuns: ctx.quick ? 1 : 3, minMs: 0 }
    : { warmup: 3, minRuns: ctx.quick ? 5 : 10, minMs: ctx.quick ? 200 : 1000 });
  try {
    for (const [name, M, K, N, ta, tb] of GEMMS) {
      const A = randn(rng, M * K), B = randn(rng, K * N), C = new Float32Array(M * N);
      for (const [k, threads] of backends) {
        const r = await measure(() => k.sgemm(ta, tb, M, N, K, A, B, C, false), opts(k));
        emit({ name, ...r, gflops: round((2 * M * N * K) / r.median_ms / 1e6, 1), threads, backend: k.name });
      }
    }

    const M = 64, N = 1024, K = 4608, words = packedWords(K);
    const pa = new Uint32Array(M * words), pb = new Uint32Array(N * words), c = new Int32Array(M * N);
    referenceKernels.packSigns(randn(rng, M * K), M, K, pa);
    referenceKernels.packSigns(randn(rng, N * K), N, K, pb);
    for (const [k, threads] of backends) {
      const r = await measure(() => k.bgemm(M, N, K, pa, pb, c), opts(k));
      emit({ name: `bgemm ${M}x${N}x${K}`, ...r, gbitops: round((M * N * K) / r.median_ms / 1e6, 1), threads, backend: k.name });
    }

    const g = CONV2;
    const nx = g.N * g.C * g.H * g.W, nw = g.OC * g.C * g.KH * g.KW, ny = g.N * g.OC * g.OH * g.OW;
    const x = randn(rng, nx), w = randn(rng, nw), dy = randn(rng, ny);
    const y = new Float32Array(ny), dx = new Float32Array(nx), dw = new Float32Array(nw);
    const flops = 2 * g.N * g.OC * g.OH * g.OW * g.C * g.KH * g.KW;
    const convs: [string, (k: Kernels) => void][] = [
      ['conv2d fwd 64x32x13x13 -> 64@3x3', (k) => k.conv2d(g, x, w, y)],
      ['conv2d bwd-input 64x32x13x13 -> 64@3x3', (k) => k.conv2dBackwardInput(g, dy, w, dx)],
      ['conv2d bwd-filter 64x32x13x13 -> 64@3x3', (k) => k.conv2dBackwardFilter(g, x, dy, dw)],
    ];
    const b = randn(rng, g.OC), db = new Float32Array(g.OC);
    convs.push(
      ['conv2d fwd+bias 64x32x13x13 -> 64@3x3', (k) => k.conv2d(g, x, w, y, b)],
      // The training path: dx, dw and db from one staging of x, w and dy (flops: dx + dw).
      ['conv2d bwd dx+dw+db 64x32x13x13 -> 64@3x3', (k) => k.conv2dBackward(g, x, w, dy, dx, dw, db)],
    );
    for (const [name, fn] of convs) {
      const f = name.includes('dx+dw') ? 2 * flops : flops;
      for (const [k, threads] of backends) {
        const r = await measure(() => fn(k), opts(k));
        emit({ name, ...r, gflops: round(f / r.median_ms / 1e6, 1), threads, backend: k.name });
      }
    }

    // Small-CNN conv1 (one input channel: 9 filter columns, the shape the image-chunk split of the
    // filter gradient is for) and ResNet-8's batch norm at 32×32.
    const g1 = CONV1, f1 = 2 * g1.N * g1.OC * g1.OH * g1.OW * g1.C * g1.KH * g1.KW;
    const x1 = randn(rng, g1.N * g1.C * g1.H * g1.W), w1 = randn(rng, g1.OC * g1.C * 9), dy1 = randn(rng, g1.N * g1.OC * g1.OH * g1.OW);
    const y1 = new Float32Array(dy1.length), dw1 = new Float32Array(w1.length), b1 = randn(rng, g1.OC), db1 = new Float32Array(g1.OC);
    const [bn, bc, bp] = [64, 16, 32 * 32];
    const xb = randn(rng, bn * bc * bp), dyb = randn(rng, bn * bc * bp), yb = new Float32Array(bn * bc * bp), dxb = new Float32Array(bn * bc * bp);
    const gam = randn(rng, bc), bet = randn(rng, bc), mean = new Float32Array(bc), vari = new Float32Array(bc), inv = new Float32Array(bc);
    const dg = new Float32Array(bc), dbb = new Float32Array(bc);
    const more: [string, number, (k: Kernels) => void][] = [
      ['conv2d fwd+bias 64x1x28x28 -> 32@3x3', f1, (k) => k.conv2d(g1, x1, w1, y1, b1)],
      ['conv2d bwd dw+db 64x1x28x28 -> 32@3x3', f1, (k) => k.conv2dBackward(g1, x1, w1, dy1, null, dw1, db1)],
      ['batchNorm fwd+bwd 64x16x32x32 (train)', 0, (k) => {
        k.batchNormForward(bn, bc, bp, xb, gam, bet, 1e-5, true, mean, vari, inv, yb);
        k.batchNormBackward(bn, bc, bp, xb, dyb, mean, inv, gam, true, dxb, dg, dbb);
      }],
    ];
    for (const [name, fl, fn] of more) {
      for (const [k, threads] of backends) {
        const r = await measure(() => fn(k), opts(k));
        emit({ name, ...r, ...(fl ? { gflops: round(fl / r.median_ms / 1e6, 1) } : {}), threads, backend: k.name });
      }
    }

    // Thread scaling measured call by call: the one-thread and the N-thread backend alternate, and
    // the line reports the median of the per-pair time ratios. On a shared machine whose speed
    // drifts within seconds, this is the figure to read (the separate medians above can disagree).
    const one = backends.find(([k, t]) => k.name === 'wasm' && t === 1)?.[0];
    if (pool && one) {
      const gemm512 = [randn(rng, 512 * 512), randn(rng, 512 * 512), new Float32Array(512 * 512)];
      const scaled: [string, (k: Kernels) => void][] = [
        ['sgemm 512x512x512', (k) => k.sgemm(false, false, 512, 512, 512, gemm512[0], gemm512[1], gemm512[2], false)],
        ...convs, ...more.map(([name, , fn]): [string, (k: Kernels) => void] => [name, fn]),
      ];
      for (const [name, fn] of scaled) {
        const r = await measurePaired(() => fn(one), () => fn(pool), { pairs: ctx.quick ? 9 : 21 });
        emit({ name: `scaling ${name}`, median_ms: r.b_ms, runs: r.pairs, scaling: r.ratio, one_thread_ms: r.a_ms, threads: ctx.threads });
      }
      // The same kernels as a tidy() training step calls them: activations and their gradients
      // resident in each backend's own memory (read and written in place), weights staged.
      const residentCalls = (k: Kernels): [string, () => void][] => {
        const R = (a: Float32Array): Float32Array => { const r = k.resident!.take(a.length)!; r.set(a); return r; };
        const [rx, ry, rdy, rdx, rdw] = [R(x), R(y), R(dy), R(dx), R(dw)];
        const [rxb, ryb, rdyb, rdxb] = [R(xb), R(yb), R(dyb), R(dxb)];
        const [rx1, ry1, rdy1] = [R(x1), R(y1), R(dy1)];
        return [
          ['conv2d fwd+bias 64x32x13x13 -> 64@3x3', () => k.conv2d(g, rx, w, ry, b)],
          ['conv2d bwd-input 64x32x13x13 -> 64@3x3', () => k.conv2dBackwardInput(g, rdy, w, rdx)],
          ['conv2d bwd-filter 64x32x13x13 -> 64@3x3', () => k.conv2dBackwardFilter(g, rx, rdy, rdw)],
          ['conv2d bwd dx+dw+db 64x32x13x13 -> 64@3x3', () => k.conv2dBackward(g, rx, w, rdy, rdx, rdw, db)],
          ['conv2d fwd+bias 64x1x28x28 -> 32@3x3', () => k.conv2d(g1, rx1, w1, ry1, b1)],
          ['conv2d bwd dw+db 64x1x28x28 -> 32@3x3', () => k.conv2dBackward(g1, rx1, w1, rdy1, null, dw1, db1)],
          ['batchNorm fwd+bwd 64x16x32x32 (train)', () => {
            k.batchNormForward(bn, bc, bp, rxb, gam, bet, 1e-5, true, mean, vari, inv, ryb);
            k.batchNormBackward(bn, bc, bp, rxb, rdyb, mean, inv, gam, true, rdxb, dg, dbb);
          }],
        ];
      };
      const [onesR, poolR] = [residentCalls(one), residentCalls(pool)];
      for (let i = 0; i < onesR.length; i++) {
        const r = await measurePaired(onesR[i][1], poolR[i][1], { pairs: ctx.quick ? 9 : 21 });
        emit({ name: `scaling resident ${onesR[i][0]}`, median_ms: r.b_ms, runs: r.pairs, scaling: r.ratio, one_thread_ms: r.a_ms, threads: ctx.threads });
      }
    }
    // Winograd F(2×2, 3×3) against im2col + GEMM (the same kernels with Kernels.winogradEnabled off),
    // one thread, call by call in alternation: CONV2 and the four 3×3 stages of the ResNet-18 the GBM
    // study trains on TinyImageNet (batch 64, widths 32…256).
    const im2col = createWasmKernels(), wino = createWasmKernels();
    im2col.winogradEnabled = false;
    for (const [C, HW] of [[32, 13], [32, 16], [64, 8], [128, 4], [256, 2]]) {
      const gw: ConvGeometry = C === 32 && HW === 13 ? g : {
        N: 64, C, H: HW, W: HW, OC: C, KH: 3, KW: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1, OH: HW, OW: HW,
      };
      const sx = randn(rng, gw.N * C * HW * HW), sw = randn(rng, gw.OC * C * 9), sdy = randn(rng, gw.N * gw.OC * gw.OH * gw.OW);
      const sy = new Float32Array(sdy.length), sdx = new Float32Array(sx.length), sdw = new Float32Array(sw.length);
      const shape = `${gw.N}x${C}x${HW}x${HW} -> ${gw.OC}@3x3`;
      for (const [what, fn] of [
        ['fwd', (k: Kernels) => k.conv2d(gw, sx, sw, sy)],
        ['bwd dx+dw', (k: Kernels) => k.conv2dBackward(gw, sx, sw, sdy, sdx, sdw, null)],
      ] as const) {
        const r = await measurePaired(() => fn(im2col), () => fn(wino), { pairs: ctx.quick ? 9 : 21 });
        emit({ name: `winograd conv2d ${what} ${shape}`, median_ms: r.b_ms, runs: r.pairs, im2col_ms: r.a_ms, speedup: r.ratio, threads: 1 });
      }
      // F(4×4, 3×3) against F(2×2) on the same shape: the `approximate` calls that Conv2d layers make
      // (forward, input gradient, filter gradient). On a 2×2 map the host keeps F(2×2)
      // (`algorithm`), so those lines time the same kernels twice.
      for (const [what, fn] of [
        ['fwd', (approximate: boolean) => wino.conv2d(gw, sx, sw, sy, null, false, approximate)],
        ['bwd dx', (approximate: boolean) => wino.conv2dBackward(gw, sx, sw, sdy, sdx, null, null, null, approximate)],
        ['bwd dw', (approximate: boolean) => wino.conv2dBackward(gw, sx, sw, sdy, null, sdw, null, null, approximate)],
      ] as const) {
        const r = await measurePaired(() => fn(false), () => fn(true), { pairs: ctx.quick ? 9 : 21 });
        emit({ name: `winograd4x4 conv2d ${what} ${shape}`, median_ms: r.b_ms, runs: r.pairs, f2x2_ms: r.a_ms, speedup: r.ratio,
          algorithm: wino.convAlgorithm!(gw, true), threads: 1 });
      }
    }
  } finally {
    pool?.dispose();
  }
}
