// An imported ONNX graph as a frozen bitspike Module: forward(x) runs the graph up to the cut point
// and returns the features flattened to [N, F]. It has no parameters (the weights are the file's and
// never train), so optimizers, snapshots and learner files leave it alone; its weights are counted
// separately (weightCount) for memory reports.
import { Tensor } from '../engine/tensor.js';
import { Module } from '../nn/module.js';
import { OnnxError } from './errors.js';
import type { OnnxModel } from './graph.js';
import { parameterCount } from './model.js';
import { OnnxRunner, resolveCut, type CutPoint } from './runner.js';

export class OnnxEncoder extends Module {
  readonly cut: CutPoint;
  readonly runner: OnnxRunner;
  /** Float scalars in the imported weights, as the file holds them (before BatchNormalization folding). */
  readonly weightCount: number;

  constructor(model: OnnxModel, cut?: string | null) {
    super();
    this.cut = resolveCut(model, cut);
    this.runner = new OnnxRunner(model, [this.cut.value]);
    this.weightCount = parameterCount(model);
    this.training = false;
  }


  /** Feature shape (without the batch) for an input of `shape`; plans (and checks) the graph. */
  featureShape(shape: readonly number[]): readonly number[] {
    return this.runner.plan(shape, [this.cut.value]).shapes.get(this.cut.value)!.slice(1);
  }

  forward(x: Tensor): Tensor {
    const v = this.runner.run(x.f32, x.shape, [this.cut.value]).get(this.cut.value)!;
    if (v.type !== 'float') throw new OnnxError(`${this.runner.model.source}: cut value '${this.cut.value}' is an integer tensor, not features`);
    const N = x.shape[0];
    if (v.shape[0] !== N) throw new OnnxError(`${this.runner.model.source}: cut value '${this.cut.value}' has shape [${v.shape.join(', ')}], whose first dimension is not the batch (${N})`);
    return new Tensor(v.data as Float32Array, [N, v.data.length / N]);
  }

  // Frozen: train() never switches it to training behaviour (the graph is inference-only anyway).
  override train(): this { this.training = false; return this; }
}
