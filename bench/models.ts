// Networks the engine benchmark times, with the spec that bench/py/torch_ref.py builds the same
// network from.
import type { nn } from '../src/index.js';

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

/** Trainable values (what PyTorch's sum(p.numel() for p in m.parameters()) counts: BN γ, β but not running statistics). */
export function parameterCount(m: nn.Module): number {
  return m.parameters().reduce((s, p) => s + p.size, 0);
}
