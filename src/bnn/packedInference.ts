// Bit-packed XNOR-popcount inference of a deployed binary network. Feature maps are stored per pixel
// as ⌈C/32⌉ words (channels LSB-first, unused high bits zero). A conv is the engine's fused bconv
// kernel: binary im2col (copy whole pixel words when channel groups are word-aligned, gather bits
// otherwise) + XNOR-popcount + a per-channel integer threshold, split over the kernel threads; dense
// layers are convs whose kernel covers the whole map; max-pool is the OR of pixel words; the output
// is the argmax of integer scores.
//
// Word-aligned im2col rows contain zero bits that are not weights (channel tail of a pixel); the
// weight rows hold zeros at the same places, each such pair XNORs to +1, so y = bgemm − (K′ − K).
import { getKernels } from '../engine/kernels/index.js';
import { packedWords, type BconvGeometry } from '../engine/kernels/types.js';
import { wordBit } from '../engine/bits.js';
import { imageBytes } from './inputEncoding.js';
import { layerFanIn, type DeployedConv, type DeployedDense, type DeployedModel, type DeployedOutput } from './deploy.js';

interface FeatureMap { n: number; h: number; w: number; c: number; wpp: number; data: Uint32Array }

interface PreparedBinary {
  kind: 'binary';
  KH: number; KW: number; stride: number; pad: number; groups: number;
  C: number; Cg: number; OC: number; OCg: number; inH: number; inW: number; outH: number; outW: number;
  /** True fan-in K and im2col row length K′ (bits). */
  K: number; Kp: number; rowWords: number;
  /** Word-aligned im2col: words per pixel copied per group (0 = a compact row of exactly K bits). */
  groupWords: number;
  /** groups·OCg packed rows of Kp bits, in output-channel order. */
  weights: Uint32Array;
  thresholds: Int32Array | null;
}

interface PreparedPool { kind: 'maxpool'; size: number; C: number; inH: number; inW: number; outH: number; outW: number }

type Prepared = PreparedBinary | PreparedPool;

export interface PackedResult {
  predictions: Int32Array;
  /** Integer class scores, n × classes (the float simulation's scores() exactly). */
  scores: Int32Array;
}

function prepareBinary(l: DeployedConv | DeployedDense | DeployedOutput): PreparedBinary {
  const conv = l.kind === 'conv';
  const KH = conv ? l.kernel : l.inH, KW = conv ? l.kernel : l.inW;
  const groups = conv ? l.groups : 1, C = l.inChannels, Cg = C / groups;
  const OC = conv ? l.outChannels : l.kind === 'dense' ? l.units : l.classes, OCg = OC / groups;
  const K = layerFanIn(l);
  const wpp = Math.ceil(C / 32);
  // Whole pixel words when the group's channels fill them (or C > 32 without groups); otherwise a
  // row of exactly K bits, so narrow inputs (e.g. 8 thermometer planes) do not pad each tap to 32 bits.
  const groupWords = Cg % 32 === 0 ? Cg / 32 : groups === 1 && C > 32 ? wpp : 0;
  const Kp = groupWords ? KH * KW * groupWords * 32 : K;
  const rowWords = packedWords(Kp);
  const weights = new Uint32Array(OC * rowWords);
  for (let g = 0; g < groups; g++) {
    const wg = weights.subarray(g * OCg * rowWords, (g + 1) * OCg * rowWords);
    for (let j = 0; j < OCg; j++) {
      const base = (g * OCg + j) * K;
      for (let t = 0; t < KH * KW; t++) {
        for (let c = 0; c < Cg; c++) {
          if (!wordBit(l.weights, base + t * Cg + c)) continue;
          const pos = groupWords ? t * groupWords * 32 + c : t * Cg + c;
          wg[j * rowWords + (pos >>> 5)] |= 1 << (pos & 31);
        }
      }
    }
  }
  return {
    kind: 'binary', KH, KW, stride: conv ? l.stride : 1, pad: conv ? l.padding : 0, groups, C, Cg, OC, OCg,
    inH: l.inH, inW: l.inW, outH: conv ? l.outH : 1, outW: conv ? l.outW : 1, K, Kp, rowWords, groupWords, weights,
    thresholds: l.kind === 'output' ? null : l.thresholds,
  };
}

export class PackedNet {
  readonly model: DeployedModel;
  private readonly layers: Prepared[];

  constructor(model: DeployedModel) {
    this.model = model;
    this.layers = model.layers.map((l) => l.kind === 'maxpool'
      ? { kind: 'maxpool', size: l.size, C: l.channels, inH: l.inH, inW: l.inW, outH: l.outH, outW: l.outW }
      : prepareBinary(l));
    const last = this.layers[this.layers.length - 1];
    if (!last || last.kind !== 'binary' || last.thresholds) throw new Error('PackedNet: the model must end with an output layer');
  }

  /** Thermometer bits of n NHWC uint8 images (from image index `first`), one ⌈C·L/32⌉-word group per pixel. */
  encode(images: Uint8Array, first: number, n: number): FeatureMap {
    const { height: H, width: W, channels: CH, levels: L, thresholds: t } = this.model.input;
    const c = CH * L, wpp = Math.ceil(c / 32), size = imageBytes(this.model.input);
    const data = new Uint32Array(n * H * W * wpp);
    for (let i = 0; i < n; i++) {
      const src = (first + i) * size;
      for (let p = 0; p < H * W; p++) {
        const dst = (i * H * W + p) * wpp;
        for (let ch = 0; ch < CH; ch++) {
          const v = images[src + p * CH + ch];
          for (let k = 0; k < L && v > t[k]; k++) { const b = ch * L + k; data[dst + (b >>> 5)] |= 1 << (b & 31); }
        }
      }
    }
    return { n, h: H, w: W, c, wpp, data };
  }

  /** Predicts n NHWC uint8 images; processes `batch` images at a time. */
  predict(images: Uint8Array, n: number, batch = 64): PackedResult {
    const size = imageBytes(this.model.input), classes = this.model.classes;
    if (!Number.isInteger(n) || n < 0 || images.length < n * size) {
      throw new RangeError(`PackedNet.predict: expected ${n} images of ${size} bytes (${n * size}), got ${images.length} bytes`);
    }
    const scores = new Int32Array(n * classes), predictions = new Int32Array(n);
    for (let s = 0; s < n; s += batch) {
      const m = Math.min(batch, n - s);
      const out = this.run(this.encode(images, s, m));
      scores.set(out, s * classes);
    }
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < classes; j++) if (scores[i * classes + j] > scores[i * classes + best]) best = j;
      predictions[i] = best;
    }
    return { predictions, scores };
  }

  /** Runs every layer on an encoded batch; returns the integer scores. */
  run(x: FeatureMap): Int32Array {
    let fm = x;
    for (const l of this.layers) {
      if (l.kind === 'maxpool') fm = maxPool(fm, l);
      else if (l.thresholds) fm = binaryLayer(fm, l).map!;
      else return binaryLayer(fm, l).scores!;
    }
    throw new Error('PackedNet: no output layer');
  }
}

function maxPool(x: FeatureMap, l: PreparedPool): FeatureMap {
  const { n, wpp } = x, k = l.size;
  const out = new Uint32Array(n * l.outH * l.outW * wpp);
  for (let i = 0; i < n; i++) {
    for (let oh = 0; oh < l.outH; oh++) {
      for (let ow = 0; ow < l.outW; ow++) {
        const dst = ((i * l.outH + oh) * l.outW + ow) * wpp;
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            const src = ((i * l.inH + oh * k + a) * l.inW + ow * k + b) * wpp;
            for (let q = 0; q < wpp; q++) out[dst + q] |= x.data[src + q];
          }
        }
      }
    }
  }
  return { n, h: l.outH, w: l.outW, c: x.c, wpp, data: out };
}

function binaryLayer(x: FeatureMap, l: PreparedBinary): { map?: FeatureMap; scores?: Int32Array } {
  const { n } = x, rows = n * l.outH * l.outW;
  const g: BconvGeometry = {
    n, inH: l.inH, inW: l.inW, wpp: x.wpp, KH: l.KH, KW: l.KW, stride: l.stride, pad: l.pad, groups: l.groups,
    Cg: l.Cg, OCg: l.OCg, groupWords: l.groupWords, Kp: l.Kp, corr: l.Kp - l.K, outH: l.outH, outW: l.outW,
  };
  if (!l.thresholds) {
    const scores = new Int32Array(rows * l.OC);
    getKernels().bconv(g, x.data, l.weights, null, scores);
    return { scores };
  }
  const wpp = Math.ceil(l.OC / 32), data = new Uint32Array(rows * wpp);
  getKernels().bconv(g, x.data, l.weights, l.thresholds, data);
  return { map: { n, h: l.outH, w: l.outW, c: l.OC, wpp, data } };
}
