// A SpikeGrad network: the topology (spiking conv / pool / dense layers and a non-spiking integrating
// output layer), the training-rule configuration, and the weights. Both execution paths — the
// event-driven simulator and the ANN-equivalent fast path — read the same object, so they can be
// compared on identical weights.
import { initialize } from '../engine/init.js';
import type { Rng } from '../engine/random.js';
import { base64ToF32, f32ToBase64 } from '../engine/serialize.js';
import { Tensor } from '../engine/tensor.js';
import type { ConvGeometry, PoolGeometry } from '../engine/kernels/types.js';
import type { ErrorQuantiser, NegativeRule } from './ifNeuron.js';

export type LayerSpec =
  | { readonly kind: 'conv'; readonly channels: number; readonly kernel: number; readonly stride?: number; readonly padding?: number }
  | { readonly kind: 'pool'; readonly size: number; readonly stride?: number }
  | { readonly kind: 'dense'; readonly units: number };

/** Feature-map shape of one example: [channels, height, width] (dense layers are [units, 1, 1]). */
export type MapShape = readonly [number, number, number];

export interface SpikeGradConfig {
  /** Input gain G = T_in · Scaling: layer 1 integrates I¹ = G·W¹x. */
  readonly gain: number;
  readonly thetaFf: number;
  readonly thetaBp: number;
  /** Output error scale S: the output neurons start the backward phase with U = S·∂L/∂a. */
  readonly errorScale: number;
  /** Backward gate: 'input' g = [I > 0] (default) or 'count' g = [c > 0]. */
  readonly gate: 'input' | 'count';
  readonly quantiser: ErrorQuantiser;
  readonly negativeRule: NegativeRule;
  /** 'analog': pixels are currents into layer 1; 'rate': input IF neurons turn them into ⌊G·x⌋ spikes. */
  readonly input: 'analog' | 'rate';
  readonly loss: 'ce' | 'mse';
  /** Softmax temperature τ of the 'ce' loss: the output error is S·(softmax(a/τ) − onehot(y)) (outputError.ts). */
  readonly temperature: number;
  /**
   * How the 'ce' loss's output error becomes counts (outputError.ts): 'independent' quantises each
   * output's S·e alone (the paper's rule); 'zero-sum' quantises the other classes' errors and gives
   * the true class minus their sum, so the counts sum to zero as the softmax gradient does.
   */
  readonly outputErrors: 'independent' | 'zero-sum';
}

export const DEFAULT_CONFIG: SpikeGradConfig = Object.freeze({
  gain: 16, thetaFf: 1, thetaBp: 1, errorScale: 64, gate: 'input', quantiser: 'trunc',
  negativeRule: 'corrected', input: 'analog', loss: 'ce', temperature: 1, outputErrors: 'independent',
});

export interface ResolvedLayer {
  readonly spec: LayerSpec;
  readonly inShape: MapShape;
  readonly outShape: MapShape;
  /** Neurons (or pool units) in this layer for one example. */
  readonly size: number;
  /** The last layer: a non-spiking integrator whose potentials are the logits. */
  readonly isOutput: boolean;
  /** Index into `weights`, or −1 for pooling layers. */
  readonly weightIndex: number;
  readonly weightShape?: readonly number[];
  /** Geometry for one example (N = 1); fast-path callers substitute the batch size. */
  readonly conv?: ConvGeometry;
  readonly pool?: PoolGeometry;
}

const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;

export function validateConfig(c: SpikeGradConfig): void {
  for (const k of ['gain', 'thetaFf', 'thetaBp', 'errorScale', 'temperature'] as const) {
    if (!(Number.isFinite(c[k]) && c[k] > 0)) throw new RangeError(`SpikeGrad config: ${k} must be a positive number, got ${c[k]}`);
  }
  const oneOf = (k: keyof SpikeGradConfig, allowed: readonly string[]) => {
    if (!allowed.includes(c[k] as string)) throw new RangeError(`SpikeGrad config: ${k} must be one of ${allowed.join(', ')}, got ${String(c[k])}`);
  };
  oneOf('gate', ['input', 'count']);
  oneOf('quantiser', ['trunc', 'plain', 'round']);
  oneOf('negativeRule', ['corrected', 'threshold']);
  oneOf('input', ['analog', 'rate']);
  oneOf('loss', ['ce', 'mse']);
  oneOf('outputErrors', ['independent', 'zero-sum']);
  if (c.loss !== 'ce' && c.outputErrors !== 'independent') throw new RangeError(`SpikeGrad config: outputErrors '${c.outputErrors}' applies to the 'ce' loss only, got loss '${c.loss}'`);
  if (c.loss !== 'ce' && c.temperature !== 1) throw new RangeError(`SpikeGrad config: temperature applies to the 'ce' loss only, got ${c.temperature} with loss '${c.loss}'`);
}

/** Resolves shapes and geometry; throws naming the layer when a spec does not fit its input. */
export function resolveLayers(inputShape: MapShape, specs: readonly LayerSpec[]): ResolvedLayer[] {
  if (inputShape.length !== 3 || !inputShape.every(positiveInt)) throw new RangeError(`SpikeGrad: input shape must be [C, H, W] positive integers, got ${JSON.stringify(inputShape)}`);
  if (specs.length === 0 || specs[specs.length - 1].kind !== 'dense') throw new RangeError('SpikeGrad: the last layer must be dense (the integrating output layer)');
  const out: ResolvedLayer[] = [];
  let shape: MapShape = inputShape;
  let weightIndex = 0;
  specs.forEach((spec, i) => {
    const where = `SpikeGrad layer ${i} (${spec.kind})`;
    const [C, H, W] = shape;
    const isOutput = i === specs.length - 1;
    if (spec.kind === 'conv') {
      const stride = spec.stride ?? 1, pad = spec.padding ?? 0, k = spec.kernel;
      if (!positiveInt(spec.channels) || !positiveInt(k) || !positiveInt(stride) || !(Number.isInteger(pad) && pad >= 0)) {
        throw new RangeError(`${where}: channels, kernel, stride must be positive integers and padding ≥ 0, got ${JSON.stringify(spec)}`);
      }
      if (out.length > 0 && out[out.length - 1].spec.kind === 'dense') throw new RangeError(`${where}: a conv layer cannot follow a dense layer`);
      const OH = Math.floor((H + 2 * pad - k) / stride) + 1, OW = Math.floor((W + 2 * pad - k) / stride) + 1;
      if (OH < 1 || OW < 1) throw new RangeError(`${where}: kernel ${k} does not fit input ${H}×${W} (padding ${pad})`);
      const conv: ConvGeometry = { N: 1, C, H, W, OC: spec.channels, KH: k, KW: k, strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: 1, dilationW: 1, groups: 1, OH, OW };
      const outShape: MapShape = [spec.channels, OH, OW];
      out.push({ spec, inShape: shape, outShape, size: spec.channels * OH * OW, isOutput: false, weightIndex: weightIndex++, weightShape: [spec.channels, C, k, k], conv });
      shape = outShape;
      if (isOutput) throw new RangeError(`${where}: the last layer must be dense`);
    } else if (spec.kind === 'pool') {
      const k = spec.size, stride = spec.stride ?? k;
      if (!positiveInt(k) || !positiveInt(stride)) throw new RangeError(`${where}: size and stride must be positive integers, got ${JSON.stringify(spec)}`);
      const prev = out[out.length - 1];
      if (!prev || prev.spec.kind !== 'conv') throw new RangeError(`${where}: max-pooling must follow a spiking conv layer`);
      const OH = Math.floor((H - k) / stride) + 1, OW = Math.floor((W - k) / stride) + 1;
      if (OH < 1 || OW < 1) throw new RangeError(`${where}: window ${k} does not fit input ${H}×${W}`);
      const pool: PoolGeometry = { N: 1, C, H, W, KH: k, KW: k, strideH: stride, strideW: stride, padH: 0, padW: 0, OH, OW };
      const outShape: MapShape = [C, OH, OW];
      out.push({ spec, inShape: shape, outShape, size: C * OH * OW, isOutput: false, weightIndex: -1, pool });
      shape = outShape;
    } else if (spec.kind === 'dense') {
      if (!positiveInt(spec.units)) throw new RangeError(`${where}: units must be a positive integer, got ${spec.units}`);
      const fanIn = C * H * W;
      const outShape: MapShape = [spec.units, 1, 1];
      out.push({ spec, inShape: shape, outShape, size: spec.units, isOutput, weightIndex: weightIndex++, weightShape: [spec.units, fanIn] });
      shape = outShape;
    } else {
      throw new RangeError(`${where}: unknown layer kind ${JSON.stringify(spec)}`);
    }
  });
  return out;
}

/**
 * Parses the usual shorthand: `15C5` (conv, 15 channels, 5×5; `15C5p2` pads 2, `15C5s2` strides 2),
 * `P2` (2×2 max-pool), `300` (dense). Example: `15C5-P2-40C5-P2-300-10`.
 */
export function parseArchitecture(text: string): LayerSpec[] {
  const parts = text.split('-').map((t) => t.trim());
  return parts.map((t, i) => {
    let m = /^(\d+)[cC](\d+)(?:[sS](\d+))?(?:[pP](\d+))?$/.exec(t);
    if (m) return { kind: 'conv', channels: +m[1], kernel: +m[2], stride: m[3] ? +m[3] : 1, padding: m[4] ? +m[4] : 0 };
    m = /^[pP](\d+)$/.exec(t);
    if (m) return { kind: 'pool', size: +m[1] };
    if (/^\d+$/.test(t)) return { kind: 'dense', units: +t };
    throw new RangeError(`architecture '${text}': part ${i + 1} '${t}' is not NcK[sS][pP] (conv), Pk (max-pool) or N (dense)`);
  });
}

export interface InitOptions {
  /** Positive mean added to He-normal weights, as MeanNorm/fanIn (N2D2's HeFiller.MeanNorm); default 0. */
  readonly meanNorm?: number;
}

export interface NetworkState {
  readonly format: 'bitspike-spikegrad';
  readonly version: 1;
  readonly inputShape: MapShape;
  readonly layers: readonly LayerSpec[];
  readonly config: SpikeGradConfig;
  readonly weights: readonly string[];
}

export class SpikeGradNetwork {
  readonly layers: readonly ResolvedLayer[];
  readonly config: SpikeGradConfig;
  /** One float32 tensor per conv/dense layer, [out, in] or [OC, C, K, K]. */
  readonly weights: readonly Tensor[];

  constructor(readonly inputShape: MapShape, readonly specs: readonly LayerSpec[], config: Partial<SpikeGradConfig>, weights: readonly Tensor[]) {
    this.config = Object.freeze({ ...DEFAULT_CONFIG, ...config });
    validateConfig(this.config);
    this.layers = resolveLayers(inputShape, specs);
    const shapes = this.layers.filter((l) => l.weightShape).map((l) => l.weightShape as readonly number[]);
    if (weights.length !== shapes.length) throw new RangeError(`SpikeGradNetwork: expected ${shapes.length} weight tensors, got ${weights.length}`);
    weights.forEach((w, i) => {
      if (w.dtype !== 'float32' || w.shape.join(',') !== shapes[i].join(',')) throw new RangeError(`SpikeGradNetwork: weight ${i} must be float32 [${shapes[i].join(', ')}], got ${w.dtype} [${w.shape.join(', ')}]`);
    });
    this.weights = weights;
  }

  /** He-normal initialisation (std √(2/fanIn)), optionally with a positive mean. */
  static create(inputShape: MapShape, specs: readonly LayerSpec[], config: Partial<SpikeGradConfig>, rng: Rng, init: InitOptions = {}): SpikeGradNetwork {
    const layers = resolveLayers(inputShape, specs);
    const weights = layers.filter((l) => l.weightShape).map((l) => {
      const shape = l.weightShape as readonly number[];
      const w = initialize(shape, { kind: 'heNormal' }, rng);
      const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
      const mean = (init.meanNorm ?? 0) / fanIn;
      if (mean !== 0) for (let i = 0; i < w.size; i++) w.f32[i] += mean;
      return w;
    });
    return new SpikeGradNetwork(inputShape, specs, config, weights);
  }

  get inputSize(): number { return this.inputShape[0] * this.inputShape[1] * this.inputShape[2]; }
  get numClasses(): number { return this.layers[this.layers.length - 1].size; }

  clone(): SpikeGradNetwork {
    return new SpikeGradNetwork(this.inputShape, this.specs, this.config, this.weights.map((w) => new Tensor(w.f32.slice(), w.shape, true)));
  }

  state(): NetworkState {
    return { format: 'bitspike-spikegrad', version: 1, inputShape: this.inputShape, layers: this.specs, config: this.config, weights: this.weights.map((w) => f32ToBase64(w.f32)) };
  }

  static fromState(s: NetworkState): SpikeGradNetwork {
    if (s?.format !== 'bitspike-spikegrad' || s.version !== 1) throw new TypeError(`SpikeGradNetwork.fromState: expected format 'bitspike-spikegrad' version 1, got ${s?.format} ${s?.version}`);
    const layers = resolveLayers(s.inputShape, s.layers);
    const shapes = layers.filter((l) => l.weightShape).map((l) => l.weightShape as readonly number[]);
    if (!Array.isArray(s.weights) || s.weights.length !== shapes.length) throw new TypeError(`SpikeGradNetwork.fromState: expected ${shapes.length} weight arrays`);
    const weights = shapes.map((sh, i) => new Tensor(base64ToF32(s.weights[i], sh.reduce((a, b) => a * b, 1), `weight ${i}`), sh, true));
    return new SpikeGradNetwork(s.inputShape, s.layers, s.config, weights);
  }
}
