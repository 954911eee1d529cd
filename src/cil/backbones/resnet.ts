// A ResNet-18-style float backbone for GBM (docs/methods-cil.md §2.7): a 3×3 stem, stages of basic blocks
// (stride 2 between stages, width doubling), global average pooling, then GBM's feature binarizer
// (BatchNorm + Heaviside or thermometer, trained with the backbone through the STE) so the backbone
// learns features that binarize well. ResNet-18 for 32×32 images is width 64, blocks [2, 2, 2, 2];
// the width and block counts are configurable so it trains on a CPU.
import { globalAvgPool2d } from '../../engine/ops/index.js';
import type { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { BatchNorm, Conv2d, MaxPool2d, ReLU } from '../../nn/layers.js';
import { BasicBlock } from '../../nn/models.js';
import { Module, Sequential } from '../../nn/module.js';
import { float32Bits, type Backbone } from './backbone.js';
import { binarizedTrunk, describeBinarizer } from './binarizedTrunk.js';
import { imageGeometry, nhwcToNchw, type ImageGeometry } from './imageShape.js';

export interface ResnetModelConfig {
  kind: 'resnet';
  /** Channels of the stem and first stage (ResNet-18: 64). */
  width: number;
  /** Basic blocks per stage (ResNet-18: [2, 2, 2, 2]); stage s has width·2^s channels. */
  blocks: number[];
  /** Feature binarizer after pooling: 'heaviside' (D = features), 'thermometer' (D = features·levels) or 'none' (float latent). */
  binarizer: 'heaviside' | 'thermometer' | 'none';
  /** Thermometer levels T. */
  levels: number;
  /** Float dense layers between the latent and the head. */
  hidden: number[];
  /** [height, width, channels]; null infers a square 1- or 3-channel image. */
  imageShape: number[] | null;
  /**
   * 'cifar': 3×3 stride-1 stem (full resolution into the first stage, the CIFAR ResNets);
   * 'imagenet': 7×7 stride-2 conv + 3×3 stride-2 max-pool (the torchvision ResNet-18 stem, ¼ of the
   * resolution into the first stage: 16×16 maps for 64×64 TinyImageNet images, 16× fewer stage-1 MACs).
   */
  stem?: 'cifar' | 'imagenet';
}

export const RESNET_DEFAULTS: Omit<ResnetModelConfig, 'kind'> = {
  width: 64, blocks: [2, 2, 2, 2], binarizer: 'heaviside', levels: 4, hidden: [], imageShape: null, stem: 'cifar',
};

/** Stem + stages + global average pool: [N, inputDim] → [N, features]. */
export class ResnetFeatures extends Module {
  readonly body: Sequential;
  constructor(readonly geometry: ImageGeometry, width: number, blocks: readonly number[], rng: Rng, stem: ResnetModelConfig['stem'] = 'cifar') {
    super();
    const layers: Module[] = stem === 'imagenet'
      ? [
        new Conv2d({ inChannels: geometry.channels, outChannels: width, kernel: 7, stride: 2, padding: 3, bias: false, rng }),
        new BatchNorm({ channels: width }), new ReLU(), new MaxPool2d({ kernel: 3, stride: 2, padding: 1 }),
      ]
      : [
        new Conv2d({ inChannels: geometry.channels, outChannels: width, kernel: 3, padding: 1, bias: false, rng }),
        new BatchNorm({ channels: width }), new ReLU(),
      ];
    let c = width;
    blocks.forEach((n, s) => {
      const out = width * 2 ** s;
      for (let b = 0; b < n; b++) { layers.push(new BasicBlock(c, out, b === 0 && s > 0 ? 2 : 1, rng)); c = out; }
    });
    this.body = this.addChild('body', new Sequential(layers));
  }
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(this.body.forward(nhwcToNchw(x, this.geometry)));
  }
}

export function checkResnetConfig(c: ResnetModelConfig): void {
  if (!Number.isInteger(c.width) || c.width < 1) throw new RangeError(`model.width: expected a positive integer, got ${JSON.stringify(c.width)}`);
  if (!Array.isArray(c.blocks) || c.blocks.length === 0 || !c.blocks.every((b) => Number.isInteger(b) && b >= 1)) {
    throw new RangeError(`model.blocks: expected a non-empty list of positive integers (blocks per stage), got ${JSON.stringify(c.blocks)}`);
  }
  if (!['heaviside', 'thermometer', 'none'].includes(c.binarizer)) throw new RangeError(`model.binarizer: expected heaviside, thermometer or none, got ${JSON.stringify(c.binarizer)}`);
  if (!Number.isInteger(c.levels) || c.levels < 1) throw new RangeError(`model.levels: expected a positive integer, got ${JSON.stringify(c.levels)}`);
  if (!Array.isArray(c.hidden) || !c.hidden.every((h) => Number.isInteger(h) && h >= 1)) throw new RangeError(`model.hidden: expected a list of positive integer widths, got ${JSON.stringify(c.hidden)}`);
  if (c.stem !== undefined && c.stem !== 'cifar' && c.stem !== 'imagenet') throw new RangeError(`model.stem: expected 'cifar' or 'imagenet', got ${JSON.stringify(c.stem)}`);
}

export function resnetBackbone(c: ResnetModelConfig, inputDim: number, rng: Rng): Backbone {
  checkResnetConfig(c);
  const geometry = imageGeometry(inputDim, c.imageShape);
  const features = new ResnetFeatures(geometry, c.width, c.blocks, rng, c.stem ?? 'cifar');
  const F = c.width * 2 ** (c.blocks.length - 1);
  const parts = binarizedTrunk(features, F, c, rng);
  return {
    ...parts,
    bodyBits: () => float32Bits(parts.encoder) + float32Bits(parts.trunk),
    describe: () => `resnet (width ${c.width}, blocks [${c.blocks.join(', ')}], ${c.stem ?? 'cifar'} stem, ${geometry.height}×${geometry.width}×${geometry.channels} input, ` +
      `${describeBinarizer(c, parts.latentDim, `${F} float features`)})`,
  };
}
