// Optimizers update parameters in place from their .grad. Every optimizer's state (hyper-parameters,
// step count, per-parameter slots) is a plain JSON object so a learner snapshot can restore it
// exactly and training continues bit-identically.
import { spareLeafGrad } from '../buffer-pool.js';
import { base64ToF32, f32ToBase64 } from '../serialize.js';
import type { Tensor } from '../tensor.js';

export interface OptimizerState {
  type: string;
  version: 1;
  lr: number;
  stepCount: number;
  hyper: Record<string, number | boolean>;
  /** slot name → one base64 float32 array per parameter. */
  slots: Record<string, string[]>;
}

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  lr: number;
  stepCount = 0;
  protected slots: Record<string, Float32Array[]> = {};

  constructor(params: readonly Tensor[], lr: number) {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`${this.constructor.name}: lr must be a non-negative number, got ${lr}`);
    const bad = params.findIndex((p) => p.dtype !== 'float32' || !p.requiresGrad);
    if (bad >= 0) throw new TypeError(`${this.constructor.name}: parameter ${bad} must be a float32 tensor with requiresGrad`);
    this.params = params;
    this.lr = lr;
  }

  abstract readonly type: string;
  protected abstract hyper(): Record<string, number | boolean>;
  protected abstract update(p: Float32Array, g: Float32Array, index: number): void;

  protected slot(name: string, index: number): Float32Array {
    const list = (this.slots[name] ??= this.params.map((p) => new Float32Array(p.size)));
    return list[index];
  }

  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad) this.update(p.f32, p.grad.f32, i);
    });
  }

  /**
   * Clears every parameter's .grad. The arrays the tape made for them are reused by the next
   * backward (no fresh allocation per step), so a gradient wanted after zeroGrad must be copied
   * before it (`p.grad.f32.slice()`).
   */
  zeroGrad(): void {
    for (const p of this.params) {
      if (p.grad) spareLeafGrad(p, p.grad.f32);
      p.grad = null;
    }
  }

  state(): OptimizerState {
    const slots: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(this.slots)) slots[k] = v.map(f32ToBase64);
    return { type: this.type, version: 1, lr: this.lr, stepCount: this.stepCount, hyper: this.hyper(), slots };
  }

  loadState(s: OptimizerState): void {
    if (s?.type !== this.type || s.version !== 1) throw new TypeError(`${this.type}: cannot load optimizer state of type ${s?.type} version ${s?.version}`);
    const mine = this.hyper();
    for (const k of Object.keys(mine)) {
      if (s.hyper[k] !== mine[k]) throw new TypeError(`${this.type}: saved hyper-parameter ${k}=${s.hyper[k]} differs from this optimizer's ${mine[k]}`);
    }
    const slots: Record<string, Float32Array[]> = {};
    for (const [k, arrs] of Object.entries(s.slots)) {
      if (arrs.length !== this.params.length) throw new TypeError(`${this.type}: slot ${k} has ${arrs.length} entries for ${this.params.length} parameters`);
      slots[k] = arrs.map((b, i) => base64ToF32(b, this.params[i].size, `${this.type} slot ${k}[${i}]`));
    }
    this.slots = slots;
    this.lr = s.lr;
    this.stepCount = s.stepCount;
  }
}
