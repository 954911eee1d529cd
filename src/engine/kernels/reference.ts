// Plain-TypeScript kernels: the test oracle and the fallback where WebAssembly SIMD is missing.
// Deliberately direct loops (sums in double precision); speed matters only in that it is the
// fallback, so loop orders are cache-friendly but nothing is blocked or packed.
//
// The validate* helpers are shared with the wasm backend so both reject bad calls identically.

import { popcount32 } from '../bits.js';
import { packedWords, type BconvGeometry, type ConvGeometry, type Kernels, type PoolGeometry } from './types.js';

type ArrayLike32 = Float32Array | Int32Array | Uint32Array;

function fail(kernel: string, msg: string): never {
  throw new RangeError(`${kernel}: ${msg}`);
}

function checkLen(kernel: string, what: string, a: ArrayLike32, want: number, sizes: string): void {
  if (a.length !== want) fail(kernel, `${what} has length ${a.length}, expected ${want} for ${sizes}`);
}

function checkDims(kernel: string, dims: Record<string, number>, allowZero: boolean): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) fail(kernel, `${k} must be an integer ≥ ${allowZero ? 0 : 1}, got ${v}`);
  }
}

export function validateSgemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  checkDims('sgemm', { M, N, K }, true);
  const sizes = `M=${M} N=${N} K=${K}`;
  checkLen('sgemm', 'A', A, M * K, sizes);
  checkLen('sgemm', 'B', B, K * N, sizes);
  checkLen('sgemm', 'C', C, M * N, sizes);
}

export function describeConv(g: ConvGeometry): string {
  return `N=${g.N} C=${g.C} H=${g.H} W=${g.W} OC=${g.OC} K=${g.KH}x${g.KW} stride=${g.strideH},${g.strideW} ` +
    `pad=${g.padH},${g.padW} dilation=${g.dilationH},${g.dilationW} groups=${g.groups} out=${g.OH}x${g.OW}`;
}

/** Expected output extent of a convolution along one axis. */
export function convOutSize(size: number, k: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

export function validateConv(kernel: string, g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array,
  names: [string, string, string] = ['x', 'w', 'y']): void {
  checkDims(kernel, { N: g.N, C: g.C, H: g.H, W: g.W, OC: g.OC, KH: g.KH, KW: g.KW, strideH: g.strideH, strideW: g.strideW,
    dilationH: g.dilationH, dilationW: g.dilationW, groups: g.groups, OH: g.OH, OW: g.OW }, false);
  checkDims(kernel, { padH: g.padH, padW: g.padW }, true);
  const d = describeConv(g);
  if (g.C % g.groups !== 0 || g.OC % g.groups !== 0) fail(kernel, `C and OC must be divisible by groups (${d})`);
  const oh = convOutSize(g.H, g.KH, g.strideH, g.padH, g.dilationH);
  const ow = convOutSize(g.W, g.KW, g.strideW, g.padW, g.dilationW);
  if (g.OH !== oh || g.OW !== ow) fail(kernel, `output size ${g.OH}x${g.OW} does not match the geometry, expected ${oh}x${ow} (${d})`);
  checkLen(kernel, names[0], x, g.N * g.C * g.H * g.W, d);
  checkLen(kernel, names[1], w, g.OC * (g.C / g.groups) * g.KH * g.KW, d);
  checkLen(kernel, names[2], y, g.N * g.OC * g.OH * g.OW, d);
}

export function describePool(g: PoolGeometry): string {
  return `N=${g.N} C=${g.C} H=${g.H} W=${g.W} K=${g.KH}x${g.KW} stride=${g.strideH},${g.strideW} pad=${g.padH},${g.padW} out=${g.OH}x${g.OW}`;
}

export function validatePool(kernel: string, g: PoolGeometry, x: ArrayLike32, y: ArrayLike32, extra?: [string, ArrayLike32]): void {
  checkDims(kernel, { N: g.N, C: g.C, H: g.H, W: g.W, KH: g.KH, KW: g.KW, strideH: g.strideH, strideW: g.strideW, OH: g.OH, OW: g.OW }, false);
  checkDims(kernel, { padH: g.padH, padW: g.padW }, true);
  const d = describePool(g);
  if (2 * g.padH > g.KH || 2 * g.padW > g.KW) fail(kernel, `padding must be at most half the window (${d})`);
  // Floor or ceil mode, but every window must start inside the (left-padded) input.
  const okH = g.OH >= 1 && (g.OH - 1) * g.strideH < g.H + g.padH && g.OH <= Math.ceil((g.H + 2 * g.padH - g.KH) / g.strideH) + 1;
  const okW = g.OW >= 1 && (g.OW - 1) * g.strideW < g.W + g.padW && g.OW <= Math.ceil((g.W + 2 * g.padW - g.KW) / g.strideW) + 1;
  if (!okH || !okW) fail(kernel, `output size ${g.OH}x${g.OW} does not fit the input (${d})`);
  checkLen(kernel, 'x', x, g.N * g.C * g.H * g.W, d);
  checkLen(kernel, 'y', y, g.N * g.C * g.OH * g.OW, d);
  if (extra) checkLen(kernel, extra[0], extra[1], g.N * g.C * g.OH * g.OW, d);
}

export function validateSigns(kernel: string, rows: number, cols: number, floats: Float32Array, packed: Uint32Array): void {
  checkDims(kernel, { rows, cols }, true);
  const sizes = `rows=${rows} cols=${cols}`;
  checkLen(kernel, 'float array', floats, rows * cols, sizes);
  checkLen(kernel, 'packed array', packed, rows * packedWords(cols), sizes);
}

export function validateBgemm(M: number, N: number, K: number, A: Uint32Array, B: Uint32Array, C: Int32Array): void {
  checkDims('bgemm', { M, N, K }, true);
  const sizes = `M=${M} N=${N} K=${K}`;
  checkLen('bgemm', 'A', A, M * packedWords(K), sizes);
  checkLen('bgemm', 'B', B, N * packedWords(K), sizes);
  checkLen('bgemm', 'C', C, M * N, sizes);
}

export function validateBconv(g: BconvGeometry, x: Uint32Array, w: Uint32Array, thresholds: Int32Array | null, out: Uint32Array | Int32Array): void {
  const { n, inH, inW, wpp, KH, KW, stride, pad, groups, Cg, OCg, groupWords, Kp, corr, outH, outW } = g;
  checkDims('bconv', { n, inH, inW, wpp, KH, KW, stride, groups, Cg, OCg, Kp, outH, outW }, true);
  if (!Number.isInteger(pad) || pad < 0 || !Number.isInteger(groupWords) || groupWords < 0 || !Number.isInteger(corr) || corr < 0 || corr > Kp) {
    throw new RangeError(`bconv: pad, groupWords and corr must be integers ≥ 0 with corr ≤ Kp, got pad=${pad} groupWords=${groupWords} corr=${corr} Kp=${Kp}`);
  }
  const sizes = `n=${n} in=${inH}×${inW}×${wpp}w out=${outH}×${outW} groups=${groups} OCg=${OCg} Kp=${Kp}`;
  const OC = groups * OCg, rows = n * outH * outW;
  checkLen('bconv', 'x', x, n * inH * inW * wpp, sizes);
  checkLen('bconv', 'w', w, OC * packedWords(Kp), sizes);
  if (thresholds) checkLen('bconv', 'thresholds', thresholds, OC, sizes);
  checkLen('bconv', 'out', out, rows * (thresholds ? Math.ceil(OC / 32) : OC), sizes);
  if ((thresholds !== null) !== (out instanceof Uint32Array)) throw new TypeError('bconv: out must be a Uint32Array with thresholds and an Int32Array without');
}

export function validatePopcount(rows: number, bits: number, src: Uint32Array, dst: Int32Array): void {
  checkDims('popcountRows', { rows, bits }, true);
  const sizes = `rows=${rows} bits=${bits}`;
  checkLen('popcountRows', 'src', src, rows * packedWords(bits), sizes);
  checkLen('popcountRows', 'dst', dst, rows, sizes);
}

export function validateBias(kernel: string, g: ConvGeometry, b: Float32Array | null | undefined, name = 'bias'): void {
  if (b) checkLen(kernel, name, b, g.OC, describeConv(g));
}

export function validateBatchNorm(kernel: string, N: number, C: number, P: number,
  big: [string, Float32Array | null][], perChannel: [string, Float32Array | null][]): void {
  checkDims(kernel, { N, C, P }, false);
  const sizes = `N=${N} C=${C} P=${P}`;
  for (const [name, a] of big) if (a) checkLen(kernel, name, a, N * C * P, sizes);
  for (const [name, a] of perChannel) if (a) checkLen(kernel, name, a, C, sizes);
}

export function validateElementwise(kernel: string, arrays: [string, Float32Array][]): void {
  const [first, a0] = arrays[0];
  for (const [name, a] of arrays) {
    if (a.length !== a0.length) fail(kernel, `${name} has length ${a.length}, ${first} has ${a0.length}; they must match`);
  }
}

/** Checks scaleRows' operands; returns the row length. */
export function validateScaleRows(x: Float32Array, scale: Float32Array, y: Float32Array): number {
  validateElementwise('scaleRows', [['x', x], ['y', y]]);
  if (scale.length === 0 ? x.length !== 0 : x.length % scale.length !== 0) fail('scaleRows', `x has length ${x.length}, not a multiple of scale's ${scale.length} rows`);
  return scale.length === 0 ? 0 : x.length / scale.length;
}

/** Checks the operands of spikeCounts / errorCounts: the gates (and error counts) match y in length. */
export function validateSpikeArrays(kernel: string, y: Float32Array, gate: Uint8Array, e: Float32Array | null): void {
  if (gate.length !== y.length) fail(kernel, `gate has length ${gate.length}, y has ${y.length}; they must match`);
  if (e && e.length !== y.length) fail(kernel, `e has length ${e.length}, y has ${y.length}; they must match`);
}

/** Checks countStats' operands; returns the number of rows. */
export function validateCountStats(v: Float32Array, size: number, fans: Int32Array | null): number {
  if (!Number.isInteger(size) || size < 1) fail('countStats', `size must be a positive integer, got ${size}`);
  if (v.length % size !== 0) fail('countStats', `v has length ${v.length}, not a multiple of the row size ${size}`);
  if (fans && fans.length !== size) fail('countStats', `fans has length ${fans.length}, the row size is ${size}`);
  return v.length / size;
}

/** Number of cells of a pooling window inside the padded input (the avg-pool divisor). */
function poolCount(h0: number, w0: number, g: PoolGeometry): number {
  return (Math.min(h0 + g.KH, g.H + g.padH) - h0) * (Math.min(w0 + g.KW, g.W + g.padW) - w0);
}

/**
 * Visits every (output, input, weight) index triple of a convolution that reads a real input pixel
 * (padding taps are skipped), in output-major order: for each output, its taps in (c, kh, kw) order.
 * The three conv kernels below are this one loop with a different accumulation.
 */
function forEachTap(g: ConvGeometry, visit: (yi: number, xi: number, wi: number) => void): void {
  const Cg = g.C / g.groups, OCg = g.OC / g.groups;
  for (let n = 0; n < g.N; n++) {
    for (let oc = 0; oc < g.OC; oc++) {
      const grp = Math.floor(oc / OCg);
      for (let oh = 0; oh < g.OH; oh++) {
        for (let ow = 0; ow < g.OW; ow++) {
          const yi = ((n * g.OC + oc) * g.OH + oh) * g.OW + ow;
          for (let c = 0; c < Cg; c++) {
            const xc = ((n * g.C + grp * Cg + c) * g.H) * g.W;
            const wc = ((oc * Cg + c) * g.KH) * g.KW;
            for (let kh = 0; kh < g.KH; kh++) {
              const ih = oh * g.strideH - g.padH + kh * g.dilationH;
              if (ih < 0 || ih >= g.H) continue;
              for (let kw = 0; kw < g.KW; kw++) {
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (iw < 0 || iw >= g.W) continue;
                visit(yi, xc + ih * g.W + iw, wc + kh * g.KW + kw);
              }
            }
          }
        }
      }
    }
  }
}

export const referenceKernels: Kernels = {
  name: 'reference',

  sgemm(transA, transB, M, N, K, A, B, C, accumulate) {
    validateSgemm(M, N, K, A, B, C);
    const row = new Float64Array(N);
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * M + i] : A[i * K + k];
        if (transB) for (let j = 0; j < N; j++) row[j] += a * B[j * K + k];
        else for (let j = 0, o = k * N; j < N; j++) row[j] += a * B[o + j];
      }
      for (let j = 0; j < N; j++) C[i * N + j] = accumulate ? C[i * N + j] + row[j] : row[j];
    }
  },

  conv2d(g, x, w, y, bias, relu = false) {
    validateConv('conv2d', g, x, w, y);
    validateBias('conv2d', g, bias);
    const acc = new Float64Array(y.length);
    forEachTap(g, (yi, xi, wi) => { acc[yi] += x[xi] * w[wi]; });
    const plane = g.OH * g.OW;
    // Bias after the rounded sum, as the wasm kernel (and every framework) adds it.
    for (let i = 0; i < y.length; i++) y[i] = bias ? Math.fround(acc[i]) + bias[Math.floor(i / plane) % g.OC] : acc[i];
    if (relu) for (let i = 0; i < y.length; i++) y[i] = Math.max(y[i], 0);
  },

  conv2dBackwardInput(g, dy, w, dx) {
    validateConv('conv2dBackwardInput', g, dx, w, dy, ['dx', 'w', 'dy']);
    const acc = new Float64Array(dx.length);
    forEachTap(g, (yi, xi, wi) => { acc[xi] += dy[yi] * w[wi]; });
    dx.set(acc);
  },

  conv2dBackwardFilter(g, x, dy, dw) {
    validateConv('conv2dBackwardFilter', g, x, dw, dy, ['x', 'dw', 'dy']);
    const acc = new Float64Array(dw.length);
    forEachTap(g, (yi, xi, wi) => { acc[wi] += dy[yi] * x[xi]; });
    dw.set(acc);
  },

  conv2dBackward(g, x, w, dyOut, dx, dw, db, reluOut = null) {
    validateConv('conv2dBackward', g, x, w, dyOut, ['x', 'w', 'dy']);
    if (reluOut) validateElementwise('conv2dBackward', [['dy', dyOut], ['reluOut', reluOut]]);
    const dy = reluOut ? dyOut.map((v, i) => (reluOut[i] > 0 ? v : 0)) : dyOut;
    if (dx) referenceKernels.conv2dBackwardInput(g, dy, w, dx);
    if (dw) referenceKernels.conv2dBackwardFilter(g, x, dy, dw);
    if (db) {
      validateBias('conv2dBackward', g, db, 'db');
      const plane = g.OH * g.OW;
      for (let oc = 0; oc < g.OC; oc++) {
        let s = 0;
        for (let n = 0; n < g.N; n++) for (let i = 0, o = (n * g.OC + oc) * plane; i < plane; i++) s += dy[o + i];
        db[oc] = s;
      }
    }
  },

  adamStep(p, g, m, v, h) {
    validateElementwise('adamStep', [['p', p], ['g', g], ['m', m], ['v', v]]);
    const { beta1: b1, beta2: b2, l2, decay, stepSize, sq, eps } = h;
    for (let j = 0; j < p.length; j++) {
      const d = g[j] + l2 * p[j];
      m[j] = b1 * m[j] + (1 - b1) * d;
      v[j] = b2 * v[j] + (1 - b2) * d * d;
      p[j] = p[j] * decay - stepSize * m[j] / (Math.sqrt(v[j]) / sq + eps);
    }
  },

  batchNormForward(N, C, P, x, gamma, beta, eps, training, mean, variance, invStd, y, relu = false) {
    validateBatchNorm('batchNormForward', N, C, P, [['x', x], ['y', y]],
      [['gamma', gamma], ['beta', beta], ['mean', mean], ['variance', variance], ['invStd', invStd]]);
    const M = N * P;
    for (let c = 0; c < C; c++) {
      if (training) {
        let s = 0;
        for (let n = 0; n < N; n++) for (let p = 0, o = (n * C + c) * P; p < P; p++) s += x[o + p];
        const m = s / M;
        let q = 0;
        for (let n = 0; n < N; n++) for (let p = 0, o = (n * C + c) * P; p < P; p++) { const d = x[o + p] - m; q += d * d; }
        mean[c] = m;
        variance[c] = q / M;
        invStd[c] = 1 / Math.sqrt(q / M + eps);
      }
      const m = mean[c], sd = invStd[c], gm = gamma ? gamma[c] : 1, bt = beta ? beta[c] : 0;
      for (let n = 0; n < N; n++) for (let p = 0, o = (n * C + c) * P; p < P; p++) y[o + p] = (x[o + p] - m) * sd * gm + bt;
    }
    if (relu) for (let i = 0; i < y.length; i++) y[i] = Math.max(y[i], 0);
  },

  batchNormBackward(N, C, P, x, dyOut, mean, invStd, gamma, training, dx, dgamma, dbeta, reluOut = null) {
    validateBatchNorm('batchNormBackward', N, C, P, [['x', x], ['dy', dyOut], ['dx', dx], ['reluOut', reluOut]],
      [['mean', mean], ['invStd', invStd], ['gamma', gamma], ['dgamma', dgamma], ['dbeta', dbeta]]);
    let dy = dyOut;
    if (reluOut) {
      dy = new Float32Array(dyOut.length);
      for (let i = 0; i < dy.length; i++) dy[i] = reluOut[i] > 0 ? dyOut[i] : 0;
    }
    const M = N * P;
    for (let c = 0; c < C; c++) {
      const m = mean[c], sd = invStd[c];
      let a = 0, b = 0;
      for (let n = 0; n < N; n++) {
        for (let p = 0, o = (n * C + c) * P; p < P; p++) { a += dy[o + p]; b += dy[o + p] * (x[o + p] - m) * sd; }
      }
      if (dbeta) dbeta[c] = a;
      if (dgamma) dgamma[c] = b;
      if (!dx) continue;
      const k = (gamma ? gamma[c] : 1) * sd, am = training ? a / M : 0, bm = training ? b / M : 0;
      for (let n = 0; n < N; n++) {
        for (let p = 0, o = (n * C + c) * P; p < P; p++) dx[o + p] = k * (dy[o + p] - am - (x[o + p] - m) * sd * bm);
      }
    }
  },

  relu(x, y) {
    validateElementwise('relu', [['x', x], ['y', y]]);
    for (let i = 0; i < x.length; i++) y[i] = Math.max(x[i], 0);
  },

  reluBackward(y, dy, dx) {
    validateElementwise('reluBackward', [['y', y], ['dy', dy], ['dx', dx]]);
    for (let i = 0; i < y.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  },

  add(a, b, y, relu = false) {
    validateElementwise('add', [['a', a], ['b', b], ['y', y]]);
    // A sum of two f32s rounded from f64 equals the f32 sum, so this matches f32x4.add bit for bit.
    if (relu) for (let i = 0; i < y.length; i++) y[i] = Math.max(a[i] + b[i], 0);
    else for (let i = 0; i < y.length; i++) y[i] = a[i] + b[i];
  },

  scaleRows(x, scale, y) {
    const per = validateScaleRows(x, scale, y);
    // A product of two f32s is exact in f64, so rounding it once gives the f32 product (as f32x4.mul).
    for (let r = 0; r < scale.length; r++) {
      const s = scale[r];
      for (let i = r * per; i < (r + 1) * per; i++) y[i] = x[i] * s;
    }
  },

  maxPool2d(g, x, y, argmax) {
    validatePool('maxPool2d', g, x, y, argmax ? ['argmax', argmax] : undefined);
    for (let p = 0; p < g.N * g.C; p++) {
      for (let oh = 0; oh < g.OH; oh++) {
        for (let ow = 0; ow < g.OW; ow++) {
          let best = -Infinity, idx = -1;
          for (let kh = 0; kh < g.KH; kh++) {
            const ih = oh * g.strideH - g.padH + kh;
            if (ih < 0 || ih >= g.H) continue;
            for (let kw = 0; kw < g.KW; kw++) {
              const iw = ow * g.strideW - g.padW + kw;
              if (iw < 0 || iw >= g.W) continue;
              const i = (p * g.H + ih) * g.W + iw;
              if (idx < 0 || x[i] > best) { best = x[i]; idx = i; }
            }
          }
          const o = (p * g.OH + oh) * g.OW + ow;
          y[o] = best;
          if (argmax) argmax[o] = idx;
        }
      }
    }
  },

  maxPool2dBackward(g, dy, argmax, dx) {
    validatePool('maxPool2dBackward', g, dx, dy, ['argmax', argmax]);
    dx.fill(0);
    for (let i = 0; i < dy.length; i++) if (argmax[i] >= 0) dx[argmax[i]] += dy[i];
  },

  avgPool2d(g, x, y) {
    validatePool('avgPool2d', g, x, y);
    for (let p = 0; p < g.N * g.C; p++) {
      for (let oh = 0; oh < g.OH; oh++) {
        for (let ow = 0; ow < g.OW; ow++) {
          const h0 = oh * g.strideH - g.padH, w0 = ow * g.strideW - g.padW;
          let s = 0;
          for (let ih = Math.max(h0, 0); ih < Math.min(h0 + g.KH, g.H); ih++) {
            for (let iw = Math.max(w0, 0); iw < Math.min(w0 + g.KW, g.W); iw++) s += x[(p * g.H + ih) * g.W + iw];
          }
          y[(p * g.OH + oh) * g.OW + ow] = s / poolCount(h0, w0, g);
        }
      }
    }
  },

  avgPool2dBackward(g, dy, dx) {
    validatePool('avgPool2dBackward', g, dx, dy);
    dx.fill(0);
    for (let p = 0; p < g.N * g.C; p++) {
      for (let oh = 0; oh < g.OH; oh++) {
        for (let ow = 0; ow < g.OW; ow++) {
          const h0 = oh * g.strideH - g.padH, w0 = ow * g.strideW - g.padW;
          const v = dy[(p * g.OH + oh) * g.OW + ow] / poolCount(h0, w0, g);
          for (let ih = Math.max(h0, 0); ih < Math.min(h0 + g.KH, g.H); ih++) {
            for (let iw = Math.max(w0, 0); iw < Math.min(w0 + g.KW, g.W); iw++) dx[(p * g.H + ih) * g.W + iw] += v;
          }
        }
      }
    }
  },

  spikeCounts(y, gate, theta, inputGate) {
    validateSpikeArrays('spikeCounts', y, gate, null);
    for (let i = 0; i < y.length; i++) {
      const I = y[i];
      if (I > 0) {
        const c = Math.floor(I / theta);
        y[i] = c;
        gate[i] = inputGate || c > 0 ? 1 : 0;
      } else {
        y[i] = 0;
        gate[i] = 0;
      }
    }
  },

  errorCounts(y, gate, e, theta, round) {
    validateSpikeArrays('errorCounts', y, gate, e);
    // `+ 0` turns a −0 count into +0.
    for (let i = 0; i < y.length; i++) e[i] = gate[i] ? (round ? Math.floor(y[i] / theta + 0.5) : Math.trunc(y[i] / theta)) + 0 : 0;
  },

  countStats(v, size, fans) {
    const rows = validateCountStats(v, size, fans);
    let sum = 0, nonzero = 0, weighted = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < size; j++) {
        const a = Math.abs(v[r * size + j]);
        if (a === 0) continue;
        sum += a;
        nonzero++;
        if (fans) weighted += a * fans[j];
      }
    }
    return { sum, nonzero, weighted };
  },

  packSigns(src, rows, cols, dst) {
    validateSigns('packSigns', rows, cols, src, dst);
    const words = packedWords(cols);
    dst.fill(0);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        if (src[r * cols + j] >= 0) dst[r * words + (j >>> 5)] |= 1 << (j & 31);
      }
    }
  },

  unpackSigns(src, rows, cols, dst) {
    validateSigns('unpackSigns', rows, cols, dst, src);
    const words = packedWords(cols);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) dst[r * cols + j] = (src[r * words + (j >>> 5)] >>> (j & 31)) & 1 ? 1 : -1;
    }
  },

  bgemm(M, N, K, A, B, C) {
    validateBgemm(M, N, K, A, B, C);
    const words = packedWords(K);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let diff = 0;
        for (let i = 0; i < words; i++) diff += popcount32(A[m * words + i] ^ B[n * words + i]);
        C[m * N + n] = K - 2 * diff;
      }
    }
  },

  bconv(g, x, w, thresholds, out) {
    validateBconv(g, x, w, thresholds, out);
    const { n, inH, inW, wpp, KH, KW, stride, pad, groups, Cg, OCg, groupWords: gw, Kp, corr, outH, outW } = g;
    const rw = packedWords(Kp), OC = groups * OCg, owpp = Math.ceil(OC / 32), row = new Uint32Array(rw);
    out.fill(0);
    for (let r = 0; r < n * outH * outW; r++) {
      const ow = r % outW, oh = Math.floor(r / outW) % outH, i = Math.floor(r / (outW * outH));
      for (let grp = 0; grp < groups; grp++) {
        row.fill(0);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * stride - pad + kh;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * stride - pad + kw;
            if (iw < 0 || iw >= inW) continue;
            const src = ((i * inH + ih) * inW + iw) * wpp, t = kh * KW + kw;
            if (gw) {
              for (let q = 0; q < gw; q++) row[t * gw + q] = x[src + grp * gw + q];
            } else {
              for (let c = 0; c < Cg; c++) {
                const ch = grp * Cg + c, b = t * Cg + c;
                if ((x[src + (ch >>> 5)] >>> (ch & 31)) & 1) row[b >>> 5] |= 1 << (b & 31);
              }
            }
          }
        }
        for (let j = 0; j < OCg; j++) {
          const oc = grp * OCg + j;
          let diff = 0;
          for (let q = 0; q < rw; q++) diff += popcount32(row[q] ^ w[oc * rw + q]);
          const y = Kp - 2 * diff - corr;
          if (!thresholds) out[r * OC + oc] = y;
          else if (y >= thresholds[oc]) out[r * owpp + (oc >>> 5)] |= 1 << (oc & 31);
        }
      }
    }
  },

  popcountRows(src, rows, bits, dst) {
    validatePopcount(rows, bits, src, dst);
    const words = packedWords(bits);
    for (let r = 0; r < rows; r++) {
      let c = 0;
      for (let i = 0; i < words; i++) c += popcount32(src[r * words + i]);
      dst[r] = c;
    }
  },
};
