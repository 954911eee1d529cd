// Layers are objects with explicit parameters (Tensors with requiresGrad) and buffers (running
// statistics), built from config objects. A Module's state dict is a flat name → Float32Array map,
// the unit of save/load and of learner snapshots.
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';

export abstract class Module {
  training = true;
  protected readonly params = new Map<string, Tensor>();
  protected readonly buffers = new Map<string, Float32Array>();
  protected readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /**
   * How many of the layers that follow this one in a Sequential (`next`, in order) it can run
   * together with as one fused op (forwardFused); 0 when none. A fusion saves passes over the data
   * and kernel calls. In training, and whenever gradients are recorded, it must give the same
   * values and gradients as the separate forwards, bit for bit; only inference without gradients
   * may change rounding (e.g. a batch norm folded into the convolution before it).
   */
  fuses(next: readonly Module[]): number {
    void next;
    return 0;
  }

  /** forward through this layer and then `next` (the n = fuses(...) layers it absorbs) as one op. */
  forwardFused(x: Tensor, next: readonly Module[]): Tensor {
    return next.reduce((y, l) => l.forward(y), this.forward(x));
  }

  /** Calls forward; lets a Module be used as `layer.call(x)` in pipelines. */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  protected addParam(name: string, t: Tensor): Tensor {
    this.params.set(name, t);
    return t;
  }

  protected addBuffer(name: string, b: Float32Array): Float32Array {
    this.buffers.set(name, b);
    return b;
  }

  protected addChild<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.params].map(([k, v]) => [prefix + k, v]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Float32Array][] {
    const out: [string, Float32Array][] = [...this.buffers].map(([k, v]) => [prefix + k, v]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }

  stateDict(): Record<string, Float32Array> {
    const d: Record<string, Float32Array> = {};
    for (const [k, t] of this.namedParameters()) d[k] = t.f32.slice();
    for (const [k, b] of this.namedBuffers()) d[k] = b.slice();
    return d;
  }

  /** Loads every entry; missing, unexpected or mis-sized entries are errors (nothing is half-loaded). */
  loadStateDict(d: Record<string, Float32Array>): void {
    const targets = new Map<string, Float32Array>();
    for (const [k, t] of this.namedParameters()) targets.set(k, t.f32);
    for (const [k, b] of this.namedBuffers()) targets.set(k, b);
    const missing = [...targets.keys()].filter((k) => !(k in d));
    const extra = Object.keys(d).filter((k) => !targets.has(k));
    if (missing.length || extra.length) {
      throw new TypeError(`loadStateDict: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
    }
    for (const [k, t] of targets) {
      if (d[k].length !== t.length) throw new TypeError(`loadStateDict: ${k} has ${d[k].length} values, expected ${t.length}`);
    }
    for (const [k, t] of targets) t.set(d[k]);
  }

  toString(): string {
    return `${this.constructor.name}(${this.namedParameters().map(([k, t]) => `${k}${fmt(t.shape)}`).join(', ')})`;
  }
}

/** Applies modules in order. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.addChild(String(i), l));
  }
  forward(x: Tensor): Tensor {
    return this.run(x, []);
  }

  /**
   * A nested Sequential absorbs layers after it when the fusion group holding its last layer
   * reaches past its end (e.g. [conv, batchNorm] followed by a ReLU in the parent).
   */
  override fuses(next: readonly Module[]): number {
    if (this.forward !== Sequential.prototype.forward) return 0; // a subclass with its own forward
    const last = this.groups([...this.layers, ...next]).at(-1);
    return last ? Math.max(0, last.start + last.count + 1 - this.layers.length) : 0;
  }

  override forwardFused(x: Tensor, next: readonly Module[]): Tensor {
    return this.run(x, next);
  }

  /**
   * Runs this.layers followed by `tail` (layers of the parent this Sequential absorbs), grouped
   * as groups() plans.
   */
  private run(x: Tensor, tail: readonly Module[]): Tensor {
    const all = [...this.layers, ...tail];
    let y = x, i = 0;
    for (const { start, count } of this.groups(all)) {
      y = count > 0 ? all[start].forwardFused(y, all.slice(start + 1, start + 1 + count)) : all[start].forward(y);
      i = start + count + 1;
    }
    // Tail layers the last group did not absorb (none when the parent passes what fuses() said).
    for (; i < all.length; i++) y = all[i].forward(y);
    return y;
  }

  /** Greedy fusion groups over this.layers; `all` is this.layers followed by the parent's tail, which the last group may reach into. */
  private groups(all: readonly Module[]): { start: number; count: number }[] {
    const out: { start: number; count: number }[] = [];
    for (let i = 0; i < this.layers.length;) {
      const count = all[i].fuses(all.slice(i + 1));
      out.push({ start: i, count });
      i += 1 + count;
    }
    return out;
  }
}

/** Wraps a stateless function of one tensor as a Module. */
export class Lambda extends Module {
  constructor(readonly fn: (x: Tensor) => Tensor, readonly label = 'Lambda') {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
  override toString(): string {
    return this.label;
  }
}
