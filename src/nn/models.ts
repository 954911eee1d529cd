// Reference architectures used by the benchmarks, examples and tests.
import type { Rng } from '../engine/random.js';
import { addRelu } from '../engine/ops/index.js';
import type { Tensor } from '../engine/tensor.js';
import { BatchNorm, Conv2d, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU } from './layers.js';
import { Module, Sequential } from './module.js';

/** conv 32@3×3 → relu → maxpool2 → conv 64@3×3 → relu → maxpool2 → dense 128 → relu → dense 10 (28×28×1 input). */
export function smallCnn(rng: Rng, classes = 10): Sequential {
  return new Sequential([
    new Conv2d({ inChannels: 1, outChannels: 32, kernel: 3, rng }), new ReLU(), new MaxPool2d({ kernel: 2 }),
    new Conv2d({ inChannels: 32, outChannels: 64, kernel: 3, rng }), new ReLU(), new MaxPool2d({ kernel: 2 }),
    new Flatten(), new Linear({ inFeatures: 64 * 5 * 5, outFeatures: 128, rng }), new ReLU(),
    new Linear({ inFeatures: 128, outFeatures: classes, rng }),
  ]);
}

/** Multi-layer perceptron on flattened input. */
export function mlp(sizes: readonly number[], rng: Rng): Sequential {
  const layers: Module[] = [new Flatten()];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear({ inFeatures: sizes[i], outFeatures: sizes[i + 1], rng }));
    if (i + 2 < sizes.length) layers.push(new ReLU());
  }
  return new Sequential(layers);
}

function convBn(inC: number, outC: number, stride: number, kernel: number, rng: Rng): Sequential {
  return new Sequential([
    new Conv2d({ inChannels: inC, outChannels: outC, kernel, stride, padding: kernel >> 1, bias: false, rng }),
    new BatchNorm({ channels: outC }),
  ]);
}

/** ResNet basic block: relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)), 1×1 projection when shape changes. */
export class BasicBlock extends Module {
  readonly a: Sequential;
  readonly b: Sequential;
  readonly shortcut: Sequential | null;
  constructor(inC: number, outC: number, stride: number, rng: Rng) {
    super();
    this.a = this.addChild('a', new Sequential([convBn(inC, outC, stride, 3, rng), new ReLU()]));
    this.b = this.addChild('b', convBn(outC, outC, 1, 3, rng));
    this.shortcut = stride !== 1 || inC !== outC ? this.addChild('shortcut', convBn(inC, outC, stride, 1, rng)) : null;
  }
  forward(x: Tensor): Tensor {
    return addRelu(this.b.forward(this.a.forward(x)), this.shortcut ? this.shortcut.forward(x) : x);
  }
}

/** ResNet-8 for 32×32×3: conv16 + blocks (16; 32 stride 2; 64 stride 2) + global average pool + dense. */
export function resnet8(rng: Rng, classes = 10, width = 16): Sequential {
  const w = width;
  return new Sequential([
    convBn(3, w, 1, 3, rng), new ReLU(),
    new BasicBlock(w, w, 1, rng), new BasicBlock(w, 2 * w, 2, rng), new BasicBlock(2 * w, 4 * w, 2, rng),
    new GlobalAvgPool2d(), new Linear({ inFeatures: 4 * w, outFeatures: classes, rng }),
  ]);
}

