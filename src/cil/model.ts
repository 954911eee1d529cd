// The network a CIL learner trains: encoder → (binarizer) → trunk → growing single head.
// The encoder/trunk split is the latent point of latent replay and GBM (docs/methods-cil.md §3.5, §4): the
// encoder is frozen after the first task and replayed (or generated) latents enter the trunk. The
// architecture comes from a pluggable backbone (backbones/): an MLP (latent after hidden layer k,
// sign STE for binary latents), a ResNet-style float CNN with GBM's feature binarizer after global
// pooling, or the fully binary FBNN whose bottleneck is natively binary. The head grows by one row
// per new class (old rows kept): float linear, or binary for the FBNN.
import { noGrad, type Tensor } from '../engine/tensor.js';
import { Rng } from '../engine/random.js';
import { Module } from '../nn/module.js';
import type { Backbone } from './backbones/backbone.js';
import { BINARY_MLP_DEFAULTS, binaryMlpBackbone, type BinaryMlpModelConfig } from './backbones/binaryMlp.js';
import { FBNN_DEFAULTS, fbnnBackbone, type FbnnModelConfig } from './backbones/fbnn.js';
import type { GrowableHead } from './backbones/head.js';
import { mlpBackbone, type LatentSplit, type MlpModelConfig } from './backbones/mlp.js';
import { ONNX_DEFAULTS, onnxBackbone, type OnnxModelConfig } from './backbones/onnx.js';
import { RESNET_DEFAULTS, resnetBackbone, type ResnetModelConfig } from './backbones/resnet.js';

export { GrowingHead, GrowingBinaryHead, type GrowableHead } from './backbones/head.js';
export { signSte, type LatentSplit, type MlpModelConfig } from './backbones/mlp.js';
export type { FbnnModelConfig } from './backbones/fbnn.js';
export type { BinaryMlpModelConfig } from './backbones/binaryMlp.js';
export type { ResnetModelConfig } from './backbones/resnet.js';
export { registerOnnxModel, type OnnxModelConfig } from './backbones/onnx.js';

export type ModelConfig = MlpModelConfig | BinaryMlpModelConfig | ResnetModelConfig | FbnnModelConfig | OnnxModelConfig;
export const MODEL_KINDS = ['mlp', 'binary-mlp', 'resnet', 'fbnn', 'onnx'] as const;

/** Fills a partial model config with its kind's defaults (configs validated by config.ts are already complete). */
export function completeModelConfig(c: Partial<ModelConfig> & { kind: ModelConfig['kind'] }): ModelConfig {
  if (c.kind === 'resnet') return { ...RESNET_DEFAULTS, ...c } as ResnetModelConfig;
  if (c.kind === 'fbnn') return { ...FBNN_DEFAULTS, ...c } as FbnnModelConfig;
  if (c.kind === 'onnx') return { ...ONNX_DEFAULTS, ...c } as OnnxModelConfig;
  if (c.kind === 'binary-mlp') return { ...BINARY_MLP_DEFAULTS, ...c } as BinaryMlpModelConfig;
  return { hidden: [400, 400], ...c } as MlpModelConfig;
}

function buildBackbone(config: ModelConfig, inputDim: number, split: LatentSplit | null, rng: Rng): Backbone {
  switch (config.kind) {
    case 'mlp': return mlpBackbone(config, inputDim, split, rng);
    case 'binary-mlp': return binaryMlpBackbone(config, inputDim, split, rng);
    case 'resnet':
    case 'fbnn':
    case 'onnx': {
      // Conv backbones have one latent point: the (binarized) embedding after pooling / the bottleneck.
      if (split && split.layer !== 1) throw new RangeError(`latent layer must be 1 (the embedding) for model.kind '${config.kind}', got ${split.layer}`);
      const b = config.kind === 'resnet' ? resnetBackbone(config, inputDim, rng)
        : config.kind === 'onnx' ? onnxBackbone(config, inputDim, rng) : fbnnBackbone(config, inputDim, rng);
      if (split?.format === 'binary' && !b.binaryLatent) {
        throw new RangeError(`binary latents need a binary embedding: model.binarizer is 'none'; set it to 'heaviside' or 'thermometer' (or use latent format 'float')`);
      }
      return b;
    }
    default:
      throw new RangeError(`model.kind: expected one of ${MODEL_KINDS.join(', ')}, got '${String((config as { kind: unknown }).kind)}'`);
  }
}

export class CilNet extends Module {
  readonly encoder: Module;
  readonly trunk: Module;
  readonly head: GrowableHead;
  readonly latentDim: number;
  readonly featureDim: number;
  readonly backbone: Backbone;
  encoderFrozen = false;

  constructor(readonly config: ModelConfig, readonly inputDim: number, readonly split: LatentSplit | null, rng: Rng) {
    super();
    this.backbone = buildBackbone(config, inputDim, split, rng);
    this.encoder = this.addChild('encoder', this.backbone.encoder);
    this.trunk = this.addChild('trunk', this.backbone.trunk);
    this.latentDim = this.backbone.latentDim;
    this.featureDim = this.backbone.featureDim;
    this.head = this.addChild('head', this.backbone.head);
  }

  /** The encoder output is ±1 (sign STE, feature binarizer or binary bottleneck). */
  get binaryLatent(): boolean { return this.backbone.binaryLatent; }

  latent(x: Tensor): Tensor {
    return this.encoderFrozen ? noGrad(() => this.encoder.forward(x)) : this.encoder.forward(x);
  }
  features(z: Tensor): Tensor { return this.trunk.forward(z); }
  logits(h: Tensor): Tensor { return this.head.forward(h); }
  forward(x: Tensor): Tensor { return this.logits(this.features(this.latent(x))); }

  /** A frozen encoder stays in eval mode (batch-norm running statistics fixed, binarizer thresholds fixed). */
  override train(on = true): this {
    super.train(on);
    if (this.encoderFrozen) this.encoder.eval();
    return this;
  }

  /** Stops training the encoder: its parameters no longer require gradients, its statistics no longer move. */
  freezeEncoder(): void {
    this.encoderFrozen = true;
    for (const p of this.encoder.parameters()) p.requiresGrad = false;
    this.encoder.eval();
  }

  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Deployed bits: float32 values at 32 bits, binary weights at 1 bit. */
  parameterBits(): number {
    return this.bitsWithClasses(this.head.outputs);
  }

  /** Bits of this model with `classes` outputs (for budget planning before the head has grown). */
  bitsWithClasses(classes: number): number {
    return this.backbone.bodyBits() + classes * this.head.rowBits;
  }

  /** Scalars the optimizer updates with `classes` outputs (float or latent binary weights alike). */
  trainableScalarsWithClasses(classes: number): number {
    return this.trunk.parameterCount() + classes * this.head.rowScalars + (this.encoderFrozen ? 0 : this.encoder.parameterCount());
  }

  describe(): string { return this.backbone.describe(); }

  /** A frozen copy (LwF / iCaRL teacher). */
  frozenCopy(): CilNet {
    const c = new CilNet(this.config, this.inputDim, this.split, new Rng(0));
    c.head.grow(this.head.outputs, new Rng(0));
    c.loadStateDict(this.stateDict());
    for (const p of c.parameters()) p.requiresGrad = false;
    c.encoderFrozen = true;
    return c.eval();
  }
}

