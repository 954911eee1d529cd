// Shared fixtures for the kernel tests: seeded data, geometry builders and a tolerance check.
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/random.js';
import { packedWords, type BconvGeometry, type ConvGeometry, type PoolGeometry } from '../../src/engine/kernels/types.js';

export function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

export function conv(p: Partial<ConvGeometry> & { N: number; C: number; H: number; W: number; OC: number; KH: number; KW: number }): ConvGeometry {
  const g = { strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1, ...p };
  const OH = Math.floor((g.H + 2 * g.padH - g.dilationH * (g.KH - 1) - 1) / g.strideH) + 1;
  const OW = Math.floor((g.W + 2 * g.padW - g.dilationW * (g.KW - 1) - 1) / g.strideW) + 1;
  return { ...g, OH, OW };
}

export function pool(p: Partial<PoolGeometry> & { N: number; C: number; H: number; W: number; KH: number; KW: number }, ceil = false): PoolGeometry {
  const g = { strideH: p.KH, strideW: p.KW, padH: 0, padW: 0, ...p };
  const round = ceil ? Math.ceil : Math.floor;
  let OH = round((g.H + 2 * g.padH - g.KH) / g.strideH) + 1;
  let OW = round((g.W + 2 * g.padW - g.KW) / g.strideW) + 1;
  // PyTorch's ceil-mode rule: the last window must start inside the input.
  if (ceil && (OH - 1) * g.strideH >= g.H + g.padH) OH--;
  if (ceil && (OW - 1) * g.strideW >= g.W + g.padW) OW--;
  return { ...g, OH, OW };
}

export const convSize = (g: ConvGeometry) => ({
  x: g.N * g.C * g.H * g.W, w: g.OC * (g.C / g.groups) * g.KH * g.KW, y: g.N * g.OC * g.OH * g.OW,
});

/** |got − want| ≤ rtol·(|want| + rms(want)) elementwise; the rms term absorbs cancellation. */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-4): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let ss = 0;
  for (let i = 0; i < want.length; i++) ss += want[i] * want[i];
  const rms = Math.sqrt(ss / Math.max(1, want.length));
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= rtol * (Math.abs(want[i]) + rms))) {
      assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (rms ${rms})`);
    }
  }
}

export function assertBitEqual(got: Float32Array | Int32Array | Uint32Array, want: Float32Array | Int32Array | Uint32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${what}: element ${i} differs: ${got[i]} vs ${want[i]}`);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A packed binary conv problem with random bits (geometry as PackedNet derives it) and both output buffers. */
export function randomBconv(rng: Rng, p: { n: number; C: number; H: number; W: number; OC: number; K: number; stride?: number; pad?: number; groups?: number }): {
  g: BconvGeometry; x: Uint32Array; w: Uint32Array; thresholds: Int32Array; bits: () => Uint32Array; scores: () => Int32Array;
} {
  const stride = p.stride ?? 1, pad = p.pad ?? 0, groups = p.groups ?? 1, Cg = p.C / groups, OCg = p.OC / groups;
  const wpp = Math.ceil(p.C / 32), gw = Cg % 32 === 0 ? Cg / 32 : groups === 1 && p.C > 32 ? wpp : 0;
  const Kp = gw ? p.K * p.K * gw * 32 : p.K * p.K * Cg;
  const outH = Math.floor((p.H + 2 * pad - p.K) / stride) + 1, outW = Math.floor((p.W + 2 * pad - p.K) / stride) + 1;
  const g: BconvGeometry = { n: p.n, inH: p.H, inW: p.W, wpp, KH: p.K, KW: p.K, stride, pad, groups, Cg, OCg, groupWords: gw, Kp, corr: Kp - p.K * p.K * Cg, outH, outW };
  const bitsOf = (n: number) => Uint32Array.from({ length: n }, () => (rng.int(65536) << 16 | rng.int(65536)) >>> 0);
  const x = bitsOf(p.n * p.H * p.W * wpp);
  if (p.C % 32) for (let i = wpp - 1; i < x.length; i += wpp) x[i] &= (1 << (p.C % 32)) - 1; // channel tails are zero
  const w = bitsOf(p.OC * packedWords(Kp));
  const fan = p.K * p.K * Cg;
  const thresholds = Int32Array.from({ length: p.OC }, () => rng.int(2 * fan + 3) - fan - 1);
  const rows = p.n * outH * outW;
  return { g, x, w, thresholds, bits: () => new Uint32Array(rows * Math.ceil(p.OC / 32)), scores: () => new Int32Array(rows * p.OC) };
}
