// Dense tensors on the JS heap (garbage-collected: a training loop needs no manual disposal) plus
// the reverse-mode autodiff graph. Each op that sees an input requiring a gradient records a node
// {inputs, backward}; `backward()` walks the nodes in reverse topological order (the tape) and frees
// them afterwards so intermediate activations can be collected.
import { isShared, leafGradCopy, recycleGrad, takeGrad } from './buffer-pool.js';
import { elementwiseKernels } from './kernels/index.js';
import { checkFinite, nanCheckEnabled } from './debug.js';
import type { Rng } from './random.js';
import { assertShape, fmt, sizeOf, ShapeError, type Shape } from './shape.js';

export type DType = 'float32' | 'int32';
export type TensorData = Float32Array | Int32Array;

/** Maps an output gradient to one gradient per input (null: the input needs none). */
export type BackwardFn = (gy: Float32Array) => (Float32Array | null)[];

interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
  /** User code (customOp) may keep the output gradient it is given, so it is never recycled. */
  opaque?: boolean;
}

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly data: TensorData;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  /** @internal the op that produced this tensor, while its graph is alive. */
  node: GradNode | null = null;

  constructor(data: TensorData, shape: Shape, requiresGrad = false) {
    assertShape('tensor', shape);
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError('tensor', `data has ${data.length} elements but shape ${fmt(shape)} needs ${sizeOf(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
    if (requiresGrad && this.dtype !== 'float32') throw new TypeError('tensor: only float32 tensors can require gradients');
    this.requiresGrad = requiresGrad;
  }

  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }

  /** The float32 data; throws for int32 tensors so an op never reads labels as activations. */
  get f32(): Float32Array {
    if (!(this.data instanceof Float32Array)) throw new TypeError(`expected a float32 tensor, got ${this.dtype} ${fmt(this.shape)}`);
    return this.data;
  }

  get i32(): Int32Array {
    if (!(this.data instanceof Int32Array)) throw new TypeError(`expected an int32 tensor, got ${this.dtype} ${fmt(this.shape)}`);
    return this.data;
  }

  /** Value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError('item', `tensor of shape ${fmt(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  /** Nested JS arrays (for printing and tests). */
  toArray(): unknown {
    const build = (dim: number, off: number): unknown => {
      if (dim === this.shape.length) return this.data[off];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }

  /** A copy that shares nothing and is cut from the graph. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Same data, cut from the graph (no copy). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** @internal tidy() moves a returned tensor's values out of kernel memory into `data` (same length). */
  replaceData(data: TensorData): void {
    if (data.length !== this.data.length || data.constructor !== this.data.constructor) throw new TypeError('replaceData: another length or type');
    (this as { data: TensorData }).data = data;
  }

  /** Reverse-mode differentiation of this scalar (or with an explicit output gradient). */
  backward(gradOutput?: Float32Array): void {
    runBackward(this, gradOutput);
  }

  toString(): string {
    return `Tensor(${this.dtype} ${fmt(this.shape)})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Construction helpers

export function tensor(values: ArrayLike<number>, shape?: Shape, opts: { requiresGrad?: boolean; dtype?: DType } = {}): Tensor {
  const data = opts.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
  return new Tensor(data, shape ?? [values.length], opts.requiresGrad);
}

export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  assertShape('zeros', shape);
  const n = sizeOf(shape);
  return new Tensor(dtype === 'int32' ? new Int32Array(n) : new Float32Array(n), shape);
}

export function full(shape: Shape, value: number): Tensor {
  assertShape('full', shape);
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape);
}

export const ones = (shape: Shape): Tensor => full(shape, 1);
export const scalar = (value: number): Tensor => new Tensor(Float32Array.of(value), []);

export function randn(shape: Shape, rng: Rng, std = 1): Tensor {
  assertShape('randn', shape);
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = rng.normal(0, std);
  return new Tensor(d, shape);
}

export function randu(shape: Shape, rng: Rng, lo = 0, hi = 1): Tensor {
  assertShape('randu', shape);
  const d = new Float32Array(sizeOf(shape));
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform(lo, hi);
  return new Tensor(d, shape);
}

// ---------------------------------------------------------------------------------------------
// Gradient mode and op recording

let gradEnabled = true;

/** Whether ops record gradients now (false inside noGrad). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording gradients (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Wraps an op's output: validates it (NaN check when enabled) and, if any input requires a
 * gradient, records the node. Every op in ops/ ends with this call.
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (nanCheckEnabled()) checkFinite(op, 'output', out.data);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

/**
 * The custom-gradient hook: an op defined by a forward on raw arrays and a hand-written backward
 * (straight-through estimators, surrogate spike gradients, fused kernels).
 */
export function customOp(
  name: string,
  inputs: readonly Tensor[],
  outShape: Shape,
  forward: (xs: Float32Array[]) => Float32Array,
  backward: (gy: Float32Array, xs: Float32Array[], y: Float32Array) => (Float32Array | null)[],
): Tensor {
  const xs = inputs.map((t) => t.f32);
  const y = forward(xs);
  const out = new Tensor(y, outShape);
  record(name, out, inputs, (gy) => {
    const gs = backward(gy, xs, y);
    if (gs.length !== inputs.length) throw new Error(`${name}: backward returned ${gs.length} gradients for ${inputs.length} inputs`);
    gs.forEach((g, i) => {
      if (g && g.length !== inputs[i].size) {
        throw new ShapeError(name, `backward gradient ${i} has ${g.length} elements, input has shape ${fmt(inputs[i].shape)}`);
      }
    });
    return gs;
  });
  if (out.node) out.node.opaque = true;
  return out;
}

/** acc += g with the add kernel (in place in kernel memory for resident gradients). */
/**
 * A copy of gradient g in a pooled gradient array (resident with the wasm backend), which
 * runBackward recycles once consumed; a fresh array per copy (a residual add's second input, say)
 * cost page faults on every step.
 */
function pooledCopy(g: Float32Array): Float32Array {
  const c = takeGrad(g.length);
  c.set(g);
  return c;
}

function accumulate(acc: Float32Array, g: Float32Array): void {
  elementwiseKernels(acc.length).add(acc, g, acc);
}

function runBackward(root: Tensor, gradOutput?: Float32Array): void {
  if (!root.requiresGrad) throw new Error('backward: tensor does not require a gradient (no parameter or input with requiresGrad was used)');
  if (!gradOutput && root.size !== 1) {
    throw new ShapeError('backward', `an output gradient is required for a non-scalar tensor ${fmt(root.shape)}`);
  }
  if (gradOutput && gradOutput.length !== root.size) {
    throw new ShapeError('backward', `output gradient has ${gradOutput.length} elements, tensor has shape ${fmt(root.shape)}`);
  }
  // Iterative DFS for a topological order (recursion would overflow on deep graphs).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !seen.has(c)) { seen.add(c); stack.push([c, 0]); }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const grads = new Map<Tensor, Float32Array>();
  // Backward fns may pass their incoming gradient through (add, reshape) or return one array for
  // two inputs; copy such aliases before anything accumulates into them in place.
  const stored = new Set<Float32Array>();
  const consumed: Float32Array[] = [];
  grads.set(root, gradOutput ? gradOutput.slice() : Float32Array.of(1));
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = grads.get(t);
    if (!g) continue;
    const node = t.node;
    if (!node) {
      // A leaf: accumulate into .grad across backward calls, as optimizers expect.
      if (t.grad) {
        const acc = t.grad.f32;
        for (let j = 0; j < acc.length; j++) acc[j] += g[j];
      } else t.grad = new Tensor(g, t.shape);
      continue;
    }
    grads.delete(t);
    // User code (customOp) may keep the gradient it is handed: never a resident buffer.
    const handedCopy = node.opaque && isShared(g);
    const inGrads = node.backward(handedCopy ? g.slice() : g);
    // g is dead after this op unless handed on: the first non-leaf input it passes through to
    // (add, reshape) takes it over instead of a copy.
    let gTaken = false;
    for (let j = 0; j < node.inputs.length; j++) {
      const x = node.inputs[j];
      const gx = inGrads[j];
      if (!gx) continue;
      if (!x.requiresGrad) { consumed.push(gx); continue; } // not wanted: back to the pool (below)
      if (nanCheckEnabled()) checkFinite(node.op, `gradient of input ${j}`, gx);
      const prev = grads.get(x);
      let own: Float32Array | undefined;
      if (prev) accumulate(prev, gx);
      else {
        if (gx === g && !gTaken && !node.opaque && x.node) { own = g; gTaken = true; }
        else if (!x.node) own = leafGradCopy(x, gx);
        else own = gx === g || stored.has(gx) ? pooledCopy(gx) : gx;
        stored.add(own);
        grads.set(x, own);
      }
      if (own !== gx) consumed.push(gx);
    }
    // Recycle (see buffer-pool.ts) what no tensor holds as its gradient any more: input gradients
    // that were added into another one or copied, and this op's output gradient, unless user code
    // (customOp) may have kept that.
    if (!gTaken) stored.delete(g);
    for (const a of consumed) if (a !== g && !stored.has(a)) recycleGrad(a);
    consumed.length = 0;
    if (!gTaken && (!node.opaque || handedCopy)) recycleGrad(g);
    t.node = null; // free the graph: saved activations become collectable
  }
}
