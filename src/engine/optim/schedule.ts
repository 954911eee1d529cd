// Learning-rate schedules drive optimizer.lr. Each one's state is a small JSON object so resumed
// runs continue the same schedule.
import type { Optimizer } from './optimizer.js';

export interface ScheduleState { type: string; [k: string]: number | string | boolean }

export abstract class LrSchedule {
  constructor(readonly optimizer: Optimizer, readonly baseLr = optimizer.lr) {}
  abstract readonly type: string;
  /** Advance one epoch (or step); `metric` is used by ReduceOnPlateau only. */
  abstract step(metric?: number): void;
  abstract state(): ScheduleState;
  abstract loadState(s: ScheduleState): void;
  protected check(s: ScheduleState): void {
    if (s?.type !== this.type) throw new TypeError(`${this.type}: cannot load schedule state of type ${s?.type}`);
  }
}

/** Schedules that are a pure function of the epoch count: their state is that count. */
abstract class EpochSchedule extends LrSchedule {
  epoch = 0;
  state(): ScheduleState { return { type: this.type, epoch: this.epoch, baseLr: this.baseLr }; }
  loadState(s: ScheduleState): void { this.check(s); this.epoch = s.epoch as number; }
}

/** lr = base · gamma^floor(epoch / stepSize). */
export class StepLr extends EpochSchedule {
  readonly type = 'step';
  constructor(opt: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    super(opt);
    if (!(stepSize >= 1)) throw new RangeError(`StepLr: stepSize must be ≥ 1, got ${stepSize}`);
  }
  step(): void { this.epoch++; this.optimizer.lr = this.baseLr * this.gamma ** Math.floor(this.epoch / this.stepSize); }
}

/** Cosine annealing from the base lr to etaMin over tMax epochs. */
export class CosineLr extends EpochSchedule {
  readonly type = 'cosine';
  constructor(opt: Optimizer, readonly tMax: number, readonly etaMin = 0, baseLr = opt.lr) {
    super(opt, baseLr);
    if (!(tMax >= 1)) throw new RangeError(`CosineLr: tMax must be ≥ 1, got ${tMax}`);
  }
  /** Rebuilds a schedule from its saved state (tMax, etaMin and base lr included). */
  static fromState(opt: Optimizer, s: ScheduleState): CosineLr {
    const c = new CosineLr(opt, s.tMax as number, s.etaMin as number, s.baseLr as number);
    c.loadState(s);
    return c;
  }
  override state(): ScheduleState { return { ...super.state(), tMax: this.tMax, etaMin: this.etaMin }; }
  step(): void {
    this.epoch++;
    const t = Math.min(this.epoch, this.tMax);
    this.optimizer.lr = this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax)) / 2;
  }
}

export interface PlateauConfig { mode?: 'min' | 'max'; factor?: number; patience?: number; threshold?: number; minLr?: number; cooldown?: number }

/** Multiplies lr by `factor` when the metric has not improved for `patience` epochs (relative threshold). */
export class ReduceLrOnPlateau extends LrSchedule {
  readonly type = 'plateau';
  best: number;
  badEpochs = 0;
  cooldownLeft = 0;
  readonly cfg: Required<PlateauConfig>;
  constructor(opt: Optimizer, cfg: PlateauConfig = {}) {
    super(opt);
    this.cfg = { mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, minLr: 0, cooldown: 0, ...cfg };
    if (!(this.cfg.factor > 0 && this.cfg.factor < 1)) throw new RangeError(`ReduceLrOnPlateau: factor must be in (0, 1), got ${this.cfg.factor}`);
    this.best = this.cfg.mode === 'min' ? Infinity : -Infinity;
  }
  step(metric?: number): void {
    if (metric === undefined || !Number.isFinite(metric)) throw new TypeError(`ReduceLrOnPlateau.step: needs a finite metric, got ${metric}`);
    const { mode, threshold } = this.cfg;
    const better = mode === 'min' ? metric < this.best * (1 - threshold) : metric > this.best * (1 + threshold);
    if (better) { this.best = metric; this.badEpochs = 0; } else this.badEpochs++;
    if (this.cooldownLeft > 0) { this.cooldownLeft--; this.badEpochs = 0; }
    if (this.badEpochs > this.cfg.patience) {
      this.optimizer.lr = Math.max(this.cfg.minLr, this.optimizer.lr * this.cfg.factor);
      this.cooldownLeft = this.cfg.cooldown;
      this.badEpochs = 0;
    }
  }
  state(): ScheduleState {
    // JSON has no Infinity: an unset best is stored as a string.
    const best = Number.isFinite(this.best) ? this.best : String(this.best);
    return { type: this.type, best, badEpochs: this.badEpochs, cooldownLeft: this.cooldownLeft, lr: this.optimizer.lr };
  }
  loadState(s: ScheduleState): void {
    this.check(s);
    this.best = Number(s.best); this.badEpochs = s.badEpochs as number; this.cooldownLeft = s.cooldownLeft as number;
    this.optimizer.lr = s.lr as number;
  }
}
