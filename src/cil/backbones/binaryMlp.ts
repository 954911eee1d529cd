// A fully binary MLP as a CIL backbone: thermometer-encoded pixels, binary dense layers with
// ScaledSign activations (no float batch norm anywhere), and a growing binary head. It is the
// smallest network whose every deployed weight is one bit, so a whole learner — model plus GBM's
// generator — is counted in kilobytes (the demo's default). The latent point is after hidden layer
// `split.layer`; its ±1 output is natively binary, so GBM needs no binarizer.
//
// The layers are those of a src/bnn BinaryNet with dense stages only, so a learner's encoder, trunk
// and head map one-to-one onto a BinaryNetSpec (the same layer list that packed inference and the C
// export take).
import { flatten } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { BinaryNet, type BinaryNetSpec, type BinaryNetStage } from '../../bnn/binaryNet.js';
import { Module } from '../../nn/module.js';
import type { Backbone } from './backbone.js';
import { GrowingBinaryHead } from './head.js';
import { imageGeometry, toPixels } from './imageShape.js';
import type { LatentSplit } from './mlp.js';

export interface BinaryMlpModelConfig {
  kind: 'binary-mlp';
  /** Binary hidden layer widths. */
  hidden: number[];
  /** Thermometer levels per pixel channel (1: one threshold at 128). */
  levels: number;
  /** Per-unit learnable gain and bias in ScaledSign (deployed as integer thresholds). */
  learnableGain: boolean;
  imageShape: number[] | null;
}

export const BINARY_MLP_DEFAULTS: Omit<BinaryMlpModelConfig, 'kind'> = { hidden: [256, 256], levels: 1, learnableGain: true, imageShape: null };

type DenseStage = Extract<BinaryNetStage, { kind: 'dense' }>;

/** A run of a BinaryNet's dense stages as one module; the first slice also thermometer-encodes the pixels. */
class DenseStages extends Module {
  constructor(readonly net: BinaryNet, readonly stages: readonly DenseStage[], readonly encodesInput: boolean) {
    super();
    stages.forEach((s, i) => { this.addChild(`dense${i}`, s.dense); this.addChild(`act${i}`, s.act); });
  }
  forward(x: Tensor): Tensor {
    // [N, C·L, H, W] planes flatten channel-major, the order BinaryNet's first dense stage reads.
    let h = this.encodesInput ? flatten(this.net.encode(toPixels(x), x.shape[0])) : x;
    for (const s of this.stages) {
      if (this.training) s.dense.clipLatent();
      h = s.act.forward(s.dense.forward(h));
    }
    return h;
  }
}

/** The BinaryNet whose dense stages a binary-MLP backbone's encoder or trunk runs (null for other modules). */
export function binaryNetOf(m: Module): BinaryNet | null {
  return m instanceof DenseStages ? m.net : null;
}

/** Deployed bits: binary weights at 1 bit, ScaledSign gains and biases at 32. */
function deployedBits(m: Module): number {
  let bits = 0;
  for (const [name, t] of m.namedParameters()) bits += t.size * (/(^|\.)dense\d+\.weight$/.test(name) ? 1 : 32);
  return bits;
}

export function checkBinaryMlpConfig(c: BinaryMlpModelConfig): void {
  if (!Array.isArray(c.hidden) || c.hidden.length === 0 || !c.hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new RangeError(`model.hidden: expected a non-empty list of positive integer widths, got ${JSON.stringify(c.hidden)}`);
  }
  if (!Number.isInteger(c.levels) || c.levels < 1 || c.levels > 255) throw new RangeError(`model.levels: expected an integer in [1, 255], got ${JSON.stringify(c.levels)}`);
}

/** The BinaryNetSpec of a binary-MLP learner with `classes` outputs (what packed inference and the C export take). */
export function binaryMlpSpec(c: BinaryMlpModelConfig, inputDim: number, classes: number): BinaryNetSpec {
  const g = imageGeometry(inputDim, c.imageShape);
  return {
    input: { height: g.height, width: g.width, channels: g.channels, levels: c.levels },
    layers: c.hidden.map((units) => ({ kind: 'dense' as const, units })), classes, learnableGain: c.learnableGain,
  };
}

export function binaryMlpBackbone(c: BinaryMlpModelConfig, inputDim: number, split: LatentSplit | null, rng: Rng): Backbone {
  checkBinaryMlpConfig(c);
  // Layer 0 is the thermometer-encoded input itself: already binary, so a generator can model the
  // images' bit planes and no layer needs freezing.
  const k = split?.layer ?? 1;
  if (!Number.isInteger(k) || k < 0 || k > c.hidden.length) {
    throw new RangeError(`latent layer must be an integer in [0, ${c.hidden.length}] (0: the binary input planes; k: after hidden layer k of model.hidden), got ${k}`);
  }
  // The spec's output layer (1 class) is a placeholder: the growing head replaces it.
  const g = imageGeometry(inputDim, c.imageShape);
  const net = new BinaryNet(binaryMlpSpec(c, inputDim, 1), rng);
  const dense = net.stages.filter((s): s is DenseStage => s.kind === 'dense');
  const encoder = new DenseStages(net, dense.slice(0, k), true);
  const trunk = new DenseStages(net, dense.slice(k), false);
  const latentDim = k === 0 ? g.height * g.width * g.channels * c.levels : c.hidden[k - 1], featureDim = c.hidden[c.hidden.length - 1];
  return {
    encoder, latentDim, binaryLatent: true, trunk, featureDim, head: new GrowingBinaryHead(featureDim),
    bodyBits: () => deployedBits(encoder) + deployedBits(trunk),
    describe: () => `binary MLP [${c.hidden.join(', ')}] on ${g.height}×${g.width}×${g.channels} pixels × ${c.levels} thermometer level(s), ` +
      `${latentDim}-bit latent ${k === 0 ? 'at the input' : `after layer ${k}`}, binary head`,
  };
}
