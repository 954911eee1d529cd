// Shape inference and constant folding for one input shape, then the execution schedule. Planning
// visits only the nodes the requested outputs depend on (a cut point skips the head); each node's
// planner checks its inputs and attributes and infers its output shapes; nodes whose inputs are all
// load-time constants (initializers, Constant, Shape of a known shape, and chains of those) are
// evaluated once here and disappear from the schedule. Every error is raised before any compute.
import { nodeLabel, OnnxError } from './errors.js';
import type { OnnxModel, OnnxNode } from './graph.js';
import { planNode, type Planned, type Sym } from './ops.js';
import { fmtShape, sizeOfShape, type Value } from './value.js';

interface Step { readonly node: OnnxNode; readonly planned: Planned; /** Values whose last reader is this step. */ readonly free: readonly string[] }

export interface PlanInfo {
  /** Shapes of every value the plan computes or folds. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Nodes evaluated at load time. */
  readonly folded: number;
  /** Nodes run per call. */
  readonly scheduled: number;
}

export class OnnxPlan implements PlanInfo {
  readonly shapes = new Map<string, readonly number[]>();
  readonly folded: number;
  readonly scheduled: number;
  private readonly steps: Step[] = [];
  private readonly constants = new Map<string, Value>();

  constructor(readonly model: OnnxModel, readonly inputName: string, readonly inputShape: readonly number[], readonly outputs: readonly string[]) {
    const src = model.source;
    const input = model.inputs.find((i) => i.name === inputName);
    if (!input) throw new OnnxError(`${src}: no graph input '${inputName}' (inputs: ${model.inputs.map((i) => i.name).join(', ')})`);
    if (model.inputs.length !== 1) {
      throw new OnnxError(`${src}: the graph has ${model.inputs.length} data inputs (${model.inputs.map((i) => i.name).join(', ')}); bitspike runs single-input graphs`);
    }
    checkInputShape(src, input.name, input.dims, inputShape);

    const producer = new Map<string, number>();
    model.nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));
    // Nodes the outputs depend on.
    const needed = new Set<number>();
    const stack = [...outputs];
    const seen = new Set<string>();
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      const p = producer.get(v);
      if (p === undefined) {
        if (v !== inputName && !model.initializers.has(v)) throw new OnnxError(`${src}: no value named '${v}' in the graph`);
        continue;
      }
      if (!needed.has(p)) { needed.add(p); stack.push(...model.nodes[p].inputs.filter((i) => i !== '')); }
    }

    const syms = new Map<string, Sym>();
    for (const [k, v] of model.initializers) syms.set(k, { type: v.type, shape: v.shape, value: v });
    syms.set(inputName, { type: 'float', shape: [...inputShape] });
    let folded = 0;
    const order = [...needed].sort((a, b) => a - b);
    for (const idx of order) {
      const node = model.nodes[idx];
      const ins = node.inputs.map((i) => (i === '' ? null : syms.get(i) ?? null));
      ins.forEach((s, k) => { if (!s && node.inputs[k] !== '') throw new OnnxError(`${src}: ${nodeLabel(node)}: input '${node.inputs[k]}' has no value`); });
      let planned: Planned;
      try {
        planned = planNode(node, ins);
      } catch (e) {
        if (e instanceof OnnxError) throw new OnnxError(`${src}: ${e.message} (input shapes ${ins.map((s) => (s ? fmtShape(s.shape) : '-')).join(', ')})`, { cause: e });
        throw e;
      }
      const outNames = node.outputs;
      if (planned.outs.length < outNames.filter((o) => o !== '').length) throw new OnnxError(`${src}: ${nodeLabel(node)}: ${outNames.length} outputs requested, the operator gives ${planned.outs.length}`);
      const constant = planned.static || ins.every((s) => s === null || s.value !== undefined);
      if (constant) {
        const vals = planned.exec(ins.map((s) => s?.value ?? null));
        outNames.forEach((o, k) => { if (o !== '') syms.set(o, { type: vals[k].type, shape: vals[k].shape, value: vals[k] }); });
        folded++;
      } else {
        outNames.forEach((o, k) => { if (o !== '') syms.set(o, { type: planned.outs[k].type, shape: planned.outs[k].shape }); });
        this.steps.push({ node, planned, free: [] });
      }
      outNames.forEach((o) => { if (o !== '') this.shapes.set(o, syms.get(o)!.shape); });
    }
    for (const o of outputs) {
      const s = syms.get(o)!;
      if (s.value) this.constants.set(o, s.value);
      this.shapes.set(o, s.shape);
    }
    // Constants the schedule reads.
    for (const st of this.steps) for (const i of st.node.inputs) { const v = syms.get(i)?.value; if (v) this.constants.set(i, v); }
    // Free each runtime value after its last reader, so peak memory is a few activations, not all.
    const last = new Map<string, number>();
    this.steps.forEach((st, k) => st.node.inputs.forEach((i) => { if (!this.constants.has(i)) last.set(i, k); }));
    const frees: string[][] = this.steps.map(() => []);
    for (const [v, k] of last) if (!outputs.includes(v)) frees[k].push(v);
    this.steps = this.steps.map((st, k) => ({ ...st, free: frees[k] }));
    this.folded = folded;
    this.scheduled = this.steps.length;
  }

  /** Runs the schedule on an input of the planned shape and returns the requested outputs. */
  run(x: Float32Array): Map<string, Value> {
    if (x.length !== sizeOfShape(this.inputShape)) {
      throw new OnnxError(`${this.model.source}: input has ${x.length} values, the plan was made for ${fmtShape(this.inputShape)}`);
    }
    const env = new Map<string, Value>(this.constants);
    env.set(this.inputName, { type: 'float', shape: this.inputShape, data: x });
    for (const st of this.steps) {
      const outs = st.planned.exec(st.node.inputs.map((i) => (i === '' ? null : env.get(i)!)));
      st.node.outputs.forEach((o, k) => { if (o !== '') env.set(o, outs[k]); });
      for (const f of st.free) env.delete(f);
    }
    return new Map(this.outputs.map((o) => [o, env.get(o)!]));
  }
}

/** The caller's shape must match the declared one; the batch (first) dimension and symbolic dims may take any size. */
function checkInputShape(src: string, name: string, dims: readonly (number | string | null)[] | null, shape: readonly number[]): void {
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new OnnxError(`${src}: input '${name}': invalid shape ${fmtShape(shape)}`);
  if (!dims) return;
  const expected = `[${dims.map((d) => d ?? '?').join(', ')}]`;
  if (dims.length !== shape.length) throw new OnnxError(`${src}: input '${name}' expects rank ${dims.length} ${expected}, got ${fmtShape(shape)}`);
  dims.forEach((d, i) => {
    if (i > 0 && typeof d === 'number' && d > 0 && d !== shape[i]) {
      throw new OnnxError(`${src}: input '${name}' expects shape ${expected}, got ${fmtShape(shape)} (dimension ${i} differs)`);
    }
  });
}
