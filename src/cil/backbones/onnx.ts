// A network trained elsewhere (PyTorch, Keras...) and exported to ONNX as a CIL backbone: the
// imported graph, cut at its feature layer, is the frozen part of the encoder; GBM's feature
// binarizer (or none, for float latents), optional dense layers and the growing head train on top.
// The graph never trains, so the strategies that work on a frozen encoder (GBM, latent replay, the
// exemplar-free methods) run on it. Its weights count at 32 bits in the memory report.
//
// Models are looked up by their `file` string in a registry: the Node config loader (config.ts)
// reads and registers the file when it validates the config; a browser registers the bytes the user
// picked. So this module stays platform-neutral.
import type { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../../nn/module.js';
import { OnnxEncoder } from '../../onnx/encoder.js';
import type { OnnxModel } from '../../onnx/graph.js';
import { float32Bits, type Backbone } from './backbone.js';
import { binarizedTrunk, describeBinarizer } from './binarizedTrunk.js';
import { imageGeometry, nhwcToNchw, type ImageGeometry } from './imageShape.js';

export interface OnnxModelConfig {
  kind: 'onnx';
  /** The .onnx file (Node: a path, relative to the working directory; browser: the registered name). */
  file: string;
  /** Node or value name whose output are the features; null: the input of the last Gemm/MatMul. */
  cut: string | null;
  /** GBM feature binarizer on the features: 'heaviside', 'thermometer' or 'none' (float latent). */
  binarizer: 'heaviside' | 'thermometer' | 'none';
  levels: number;
  /** Float dense layers between the latent and the head. */
  hidden: number[];
  /** [height, width, channels] of the dataset's images; null infers a square 1- or 3-channel image. */
  imageShape: number[] | null;
}

export const ONNX_DEFAULTS: Omit<OnnxModelConfig, 'kind' | 'file'> = { cut: null, binarizer: 'heaviside', levels: 4, hidden: [], imageShape: null };

const registry = new Map<string, OnnxModel>();

/** Makes `model` available to configs whose model.file is `file`. */
export function registerOnnxModel(file: string, model: OnnxModel): void {
  registry.set(file, model);
}

export function registeredOnnxModel(file: string): OnnxModel | undefined {
  return registry.get(file);
}

/** Pixel rows [N, h·w·c] (pixels/255, NHWC) → the imported graph's input layout → features [N, F]. */
export class OnnxImageEncoder extends Module {
  readonly onnx: OnnxEncoder;
  /** The graph's data input shape per sample: [C, H, W] for images, [D] for flat rows. */
  readonly sampleShape: readonly number[];
  constructor(readonly geometry: ImageGeometry, model: OnnxModel, cut: string | null) {
    super();
    this.onnx = this.addChild('onnx', new OnnxEncoder(model, cut));
    const dims = model.inputs[0].dims;
    const { height: H, width: W, channels: C } = geometry;
    this.sampleShape = dims && dims.length === 2 ? [H * W * C] : [C, H, W];
    if (dims && dims.length !== 2 && dims.length !== 4) {
      throw new RangeError(`model.file ${model.source}: input '${model.inputs[0].name}' has rank ${dims.length}; an image encoder needs [N, C, H, W] (or [N, D] rows)`);
    }
  }
  get featureDim(): number {
    return this.onnx.featureShape([1, ...this.sampleShape]).reduce((a, b) => a * b, 1);
  }
  forward(x: Tensor): Tensor {
    return this.onnx.forward(this.sampleShape.length === 1 ? x : nhwcToNchw(x, this.geometry));
  }
}

export function onnxBackbone(c: OnnxModelConfig, inputDim: number, rng: Rng): Backbone {
  const model = registry.get(c.file);
  if (!model) throw new RangeError(`model.file '${c.file}': the ONNX model is not loaded (Node: load the config with readConfig/parseConfig; browser: load the .onnx file first)`);
  const geometry = imageGeometry(inputDim, c.imageShape);
  const features = new OnnxImageEncoder(geometry, model, c.cut);
  const F = features.featureDim;
  const parts = binarizedTrunk(features, F, c, rng);
  const importedBits = 32 * features.onnx.weightCount;
  return {
    ...parts,
    // Imported weights at 32 bits (as the file stores them), plus the binarizer and the trunk.
    bodyBits: () => importedBits + float32Bits(parts.encoder) + float32Bits(parts.trunk),
    describe: () => `onnx ${c.file} (cut: ${features.onnx.cut.reason}; ${features.onnx.weightCount} imported weights, ${F} features; ` +
      `${describeBinarizer(c, parts.latentDim, 'float latent')})`,
  };
}
