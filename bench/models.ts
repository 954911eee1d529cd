// Networks the engine benchmark times, with the spec that bench/py/torch_ref.py builds the same
// network from. ResNet-18 is the GBM study's backbone itself (src/cil/backbones/resnet.ts
// ResnetFeatures, e.g. configs/gbm-tinyimagenet-b100-inc10.json: width 32, blocks [2, 2, 2, 2],
// 'imagenet' stem = conv 7×7/2 pad 3 + BN + ReLU + max-pool 3×3/2 pad 1), on NCHW input, followed by
// global average pooling and a Linear head (the study's binarizer 'none', hidden []).
import { nn, type Rng } from '../src/index.js';
import { ResnetFeatures } from '../src/cil/backbones/resnet.js';

/** What torch_ref.py needs to build the twin network and its input. */
export interface TorchSpec {
  arch: 'smallCNN' | 'resnet8' | 'resnet18';
  classes: number;
  /** [N, C, H, W]. */
  input: number[];
  width?: number;
  blocks?: number[];
  stem?: 'cifar' | 'imagenet';
}

export interface Resnet18Options { width: number; classes: number; channels?: number; height: number; imageWidth?: number; stem?: 'cifar' | 'imagenet'; blocks?: number[] }

/** ResNet-18 (blocks [2, 2, 2, 2] unless given) on [N, C, H, W]: the study's feature body, GAP, Linear. */
export function resnet18(rng: Rng, o: Resnet18Options): nn.Sequential {
  const blocks = o.blocks ?? [2, 2, 2, 2];
  const geometry = { height: o.height, width: o.imageWidth ?? o.height, channels: o.channels ?? 3 };
  const features = new ResnetFeatures(geometry, o.width, blocks, rng, o.stem ?? 'imagenet');
  const F = o.width * 2 ** (blocks.length - 1);
  return new nn.Sequential([features.body, new nn.GlobalAvgPool2d(), new nn.Linear({ inFeatures: F, outFeatures: o.classes, rng })]);
}

/** Trainable values (what PyTorch's sum(p.numel() for p in m.parameters()) counts: BN γ, β but not running statistics). */
export function parameterCount(m: nn.Module): number {
  return m.parameters().reduce((s, p) => s + p.size, 0);
}
