// Running an imported graph: the cut point (which value to return), BatchNormalization folding for
// the values that will be read, and one plan per input shape (plans are cheap to keep: weights are
// shared with the model; the last few shapes are cached, since a learner alternates a training batch
// size, an evaluation batch size and a final partial batch).
import { noGrad } from '../engine/tensor.js';
import { OnnxError } from './errors.js';
import { fuseBatchNorm } from './fuse.js';
import type { OnnxModel } from './graph.js';
import { OnnxPlan } from './plan.js';
import { fmtShape, type Value } from './value.js';

export interface CutPoint {
  /** The value returned as features. */
  readonly value: string;
  /** How it was chosen, for logs and `onnx info`. */
  readonly reason: string;
}

/**
 * The value a cut names: a value (tensor) name, or a node name (its first output). Without a name:
 * the data input of the last Gemm/MatMul (the classifier's input: the features), else the first
 * graph output.
 */
export function resolveCut(m: OnnxModel, cut?: string | null): CutPoint {
  const produced = new Set<string>([...m.inputs.map((i) => i.name), ...m.nodes.flatMap((n) => n.outputs)]);
  if (cut) {
    if (produced.has(cut)) return { value: cut, reason: `value '${cut}'` };
    const node = m.nodes.find((n) => n.name === cut);
    if (node) return { value: node.outputs[0], reason: `output '${node.outputs[0]}' of node '${cut}' (${node.opType})` };
    const some = m.nodes.slice(-8).map((n) => `${n.name} → ${n.outputs[0]}`).join(', ');
    throw new OnnxError(`${m.source}: cut point '${cut}' is neither a node nor a value of the graph (last nodes: ${some})`);
  }
  for (let i = m.nodes.length - 1; i >= 0; i--) {
    const n = m.nodes[i];
    if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const v = n.inputs[0];
      if (!m.initializers.has(v)) return { value: v, reason: `input '${v}' of the last ${n.opType} (node '${n.name}')` };
    }
  }
  return { value: m.outputs[0].name, reason: `graph output '${m.outputs[0].name}' (the graph has no Gemm/MatMul)` };
}

const CACHED_PLANS = 4;

/** A frozen imported graph: runs on the engine's kernels without recording gradients. */
export class OnnxRunner {
  readonly model: OnnxModel;
  /** BatchNormalization nodes folded into convs. */
  readonly fusedBatchNorms: number;
  private readonly plans = new Map<string, OnnxPlan>();

  /** `keep`: values that must stay observable (requested outputs / the cut), so no fold removes them. */
  constructor(model: OnnxModel, keep: readonly string[] = []) {
    const { model: fused, fused: count } = fuseBatchNorm(model, new Set(keep));
    this.model = fused;
    this.fusedBatchNorms = count;
  }

  get inputName(): string { return this.model.inputs[0].name; }

  /** The plan for this input shape and these outputs (built, and every check made, on first use). */
  plan(shape: readonly number[], outputs: readonly string[]): OnnxPlan {
    const key = `${shape.join('x')}|${outputs.join('|')}`;
    let p = this.plans.get(key);
    if (p) { this.plans.delete(key); this.plans.set(key, p); return p; }
    for (const o of outputs) {
      if (!this.model.nodes.some((n) => n.outputs.includes(o)) && !this.model.initializers.has(o) && o !== this.inputName) {
        throw new OnnxError(`${this.model.source}: no value named '${o}' in the graph (a BatchNormalization folded into its conv removes the conv's own output: name the BatchNormalization output instead)`);
      }
    }
    p = new OnnxPlan(this.model, this.inputName, shape, outputs);
    this.plans.set(key, p);
    if (this.plans.size > CACHED_PLANS) this.plans.delete(this.plans.keys().next().value!);
    return p;
  }

  /** Runs the graph on x (of `shape`) up to `outputs` (default: the graph outputs). */
  run(x: Float32Array, shape: readonly number[], outputs: readonly string[] = this.model.outputs.map((o) => o.name)): Map<string, Value> {
    const p = this.plan(shape, outputs);
    if (x.length !== shape.reduce((a, b) => a * b, 1)) throw new OnnxError(`${this.model.source}: input of ${x.length} values does not have shape ${fmtShape(shape)}`);
    return noGrad(() => p.run(x));
  }
}
