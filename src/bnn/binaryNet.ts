// A generic fully binarized network: thermometer-encoded binary input, then any list of binary conv
// stages (−1 padding, optional groups), max-pools on binary activations and binary dense layers,
// and a binary classifier whose integer scores give the prediction by argmax. No batch norm: every
// layer is followed by ScaledSign (fixed 1/√fanIn scale, optional per-channel gain/bias), which
// deploy.ts folds into integer thresholds.
//
// `BinaryNetSpec` is a plain-JSON layer list (stored in checkpoints and model manifests);
// `BinaryNet` is the trainable float simulation built from it. The FBNN paper layout and the named
// presets that produce such specs live in ./fbnnLayout.ts.
import { flatten, maxPool2d, scale } from '../engine/ops/index.js';
import type { Rng } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { BinaryConv2d } from './binaryConv.js';
import { BinaryDense } from './binaryLinear.js';
import { checkInputSpec, encodedChannels, encodeImages, type InputSpec } from './inputEncoding.js';
import { fanInScale, ScaledSign } from './scaledSign.js';
import { quantizer, type Quantizer } from './quantizers.js';

export type BinaryLayerSpec =
  | { kind: 'conv'; channels: number; kernel: number; stride?: number; padding?: number; groups?: number }
  | { kind: 'maxpool'; size: number }
  /** A binary dense layer + sign; flattens a feature map first (channels-last order in deployment). */
  | { kind: 'dense'; units: number };

export interface BinaryNetSpec {
  input: InputSpec;
  layers: BinaryLayerSpec[];
  classes: number;
  /** Per-channel learnable gain and bias in ScaledSign (default true). */
  learnableGain?: boolean;
  /** Activation quantizer alias (default 'ste_sign'). */
  activation?: string;
  /** Kernel quantizer alias (default 'ste_sign'). */
  kernel?: string;
}

/** One stage of the network, with the geometry of its input and output. */
export type BinaryNetStage =
  | { kind: 'conv'; conv: BinaryConv2d; act: ScaledSign; inShape: [number, number, number]; outShape: [number, number, number] }
  | { kind: 'maxpool'; size: number; inShape: [number, number, number]; outShape: [number, number, number] }
  | { kind: 'dense'; dense: BinaryDense; act: ScaledSign; inShape: [number, number, number]; outShape: [number, number, number] }
  | { kind: 'output'; dense: BinaryDense; inShape: [number, number, number]; outShape: [number, number, number] };

function posInt(where: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${where} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

export class BinaryNet extends Module {
  readonly spec: BinaryNetSpec;
  readonly stages: BinaryNetStage[] = [];
  readonly outputScale: number;

  constructor(spec: BinaryNetSpec, rng: Rng) {
    super();
    checkInputSpec(spec.input);
    posInt('spec.classes', spec.classes);
    if (!Array.isArray(spec.layers)) throw new TypeError('spec.layers must be an array');
    this.spec = structuredClone(spec);
    const act: Quantizer = quantizer(spec.activation ?? 'ste_sign');
    const kq: Quantizer = quantizer(spec.kernel ?? 'ste_sign');
    const learnable = spec.learnableGain ?? true;
    let shape: [number, number, number] = [encodedChannels(spec.input), spec.input.height, spec.input.width];
    spec.layers.forEach((l, i) => {
      const where = `spec.layers[${i}]`;
      const [C, H, W] = shape;
      if (l.kind === 'conv') {
        const conv = this.addChild(`conv${i}`, new BinaryConv2d({
          inChannels: C, outChannels: posInt(`${where}.channels`, l.channels), kernel: posInt(`${where}.kernel`, l.kernel),
          stride: l.stride, padding: l.padding, groups: l.groups, rng, kernelQuantizer: kq,
        }));
        const [OH, OW] = conv.outputSize(H, W);
        if (OH < 1 || OW < 1) throw new RangeError(`${where}: kernel ${l.kernel} does not fit a ${H}×${W} input`);
        const a = this.addChild(`act${i}`, new ScaledSign({ channels: l.channels, fanIn: conv.fanIn, learnable, quantizer: act }));
        const out: [number, number, number] = [l.channels, OH, OW];
        this.stages.push({ kind: 'conv', conv, act: a, inShape: shape, outShape: out });
        shape = out;
      } else if (l.kind === 'maxpool') {
        const k = posInt(`${where}.size`, l.size);
        if (H < k || W < k) throw new RangeError(`${where}: pool ${k} does not fit a ${H}×${W} input`);
        const out: [number, number, number] = [C, Math.floor(H / k), Math.floor(W / k)];
        this.stages.push({ kind: 'maxpool', size: k, inShape: shape, outShape: out });
        shape = out;
      } else if (l.kind === 'dense') {
        const dense = this.addChild(`dense${i}`, new BinaryDense({ inFeatures: C * H * W, outFeatures: posInt(`${where}.units`, l.units), rng, kernelQuantizer: kq }));
        const a = this.addChild(`act${i}`, new ScaledSign({ channels: l.units, fanIn: dense.fanIn, learnable, quantizer: act }));
        const out: [number, number, number] = [l.units, 1, 1];
        this.stages.push({ kind: 'dense', dense, act: a, inShape: shape, outShape: out });
        shape = out;
      } else {
        throw new TypeError(`${where}.kind must be 'conv', 'maxpool' or 'dense', got ${JSON.stringify((l as { kind: unknown }).kind)}`);
      }
    });
    const [C, H, W] = shape;
    const out = this.addChild('output', new BinaryDense({ inFeatures: C * H * W, outFeatures: spec.classes, rng, kernelQuantizer: kq }));
    this.stages.push({ kind: 'output', dense: out, inShape: shape, outShape: [spec.classes, 1, 1] });
    this.outputScale = fanInScale(out.fanIn);
  }

  /** The integer class scores y (before the output scale), as float32: ±1 planes [N, C·L, H, W] → [N, classes]. */
  scores(x: Tensor): Tensor {
    let h = x;
    for (const s of this.stages) {
      if (s.kind === 'conv') h = s.act.forward(s.conv.forward(h));
      else if (s.kind === 'maxpool') h = maxPool2d(h, { kernel: s.size });
      else {
        if (h.rank !== 2) h = flatten(h);
        h = s.kind === 'dense' ? s.act.forward(s.dense.forward(h)) : s.dense.forward(h);
      }
    }
    return h;
  }

  /** Logits for the loss: scores · 1/√fanIn (a positive scale, so argmax is unchanged). */
  forward(x: Tensor): Tensor {
    return scale(this.scores(x), this.outputScale);
  }

  /** Encodes NHWC uint8 images with the network's thermometer input. */
  encode(images: Uint8Array, n: number, indices?: ArrayLike<number>): Tensor {
    return encodeImages(this.spec.input, images, n, indices);
  }

  /** Clips every latent weight to [−1, 1]; call after each optimizer step. */
  clipLatent(): void {
    for (const s of this.stages) {
      if (s.kind === 'conv') s.conv.clipLatent();
      else if (s.kind === 'dense' || s.kind === 'output') s.dense.clipLatent();
    }
  }
}
