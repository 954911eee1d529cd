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
    let y = x;
    for (const l of this.layers) y = l.forward(y);
    return y;
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
