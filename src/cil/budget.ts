// Memory of a whole learner in bits (docs/methods-cil.md §1.2: Mb = 10^6 bits, never MiB). The budget is
// planned before training from the learner's peak footprint (every class present), enforced when data
// is added (buffers refuse writes past their bit capacity) and reported after every task.

export interface BudgetConfig {
  /** Bits for everything counted (model, buffer, generator, class map, auxiliary, training state if counted). */
  totalBits: number | null;
  /** Bits reserved for the replay buffer / latent source; default: whatever totalBits leaves. */
  bufferBits: number | null;
  /** Count optimizer slots and latent (real-valued) weights of binary layers too (on-device training). */
  countTrainingState: boolean;
}

/** No total and no buffer budget, training state not counted (frozen: shared by every caller). */
export const DEFAULT_BUDGET: BudgetConfig = Object.freeze({ totalBits: null, bufferBits: null, countTrainingState: false });

export interface MemoryReport {
  /** Deployed weights at their bit widths. */
  modelBits: number;
  /** Stored samples (images or latents) including their labels. */
  bufferBits: number;
  /** Generator parameters (GBM prototypes and mixing weights). */
  generatorBits: number;
  /** Output unit → class id table. */
  classMapBits: number;
  /** Strategy state kept between tasks: LwF/iCaRL teacher copy, iCaRL class means. */
  auxiliaryBits: number;
  /** Optimizer slots and latent weights; added to the total only when countTrainingState. */
  trainingStateBits: number;
  totalBits: number;
  budgetBits: number | null;
}

export class BudgetError extends Error {
  override name = 'BudgetError';
}

/** Bits for one class id among `numClasses` (≥ 1). */
export function labelBits(numClasses: number): number {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`labelBits: numClasses must be an integer ≥ 1, got ${numClasses}`);
  return Math.max(1, Math.ceil(Math.log2(numClasses)));
}

export function formatBits(bits: number): string {
  if (bits >= 1e6) return `${(bits / 1e6).toFixed(bits >= 1e8 ? 0 : 2)} Mb`;
  if (bits >= 1e3) return `${(bits / 1e3).toFixed(1)} kb`;
  return `${bits} b`;
}

export interface FixedFootprint { modelBits: number; classMapBits: number; auxiliaryBits: number; trainingStateBits: number }

/**
 * Bits available to the buffer given the learner's peak fixed footprint. Returns null when neither
 * totalBits nor bufferBits is set (no buffer budget). Throws BudgetError naming the config key when the
 * budget cannot hold the learner.
 */
export function planBufferBits(cfg: BudgetConfig, fixed: FixedFootprint): number | null {
  for (const k of ['totalBits', 'bufferBits'] as const) {
    const v = cfg[k];
    if (v !== null && !(Number.isInteger(v) && v >= 0)) throw new BudgetError(`budget.${k} must be a non-negative integer number of bits, got ${v}`);
  }
  const need = fixed.modelBits + fixed.classMapBits + fixed.auxiliaryBits + (cfg.countTrainingState ? fixed.trainingStateBits : 0);
  const parts = `model ${fixed.modelBits}, class map ${fixed.classMapBits}, auxiliary ${fixed.auxiliaryBits}` +
    (cfg.countTrainingState ? `, training state ${fixed.trainingStateBits}` : '');
  if (cfg.totalBits !== null && need > cfg.totalBits) {
    throw new BudgetError(`impossible budget: budget.totalBits = ${cfg.totalBits} bits (${formatBits(cfg.totalBits)}) is smaller than the ${need} bits (${formatBits(need)}) the learner needs before any buffer (${parts})`);
  }
  if (cfg.bufferBits !== null) {
    if (cfg.totalBits !== null && need + cfg.bufferBits > cfg.totalBits) {
      throw new BudgetError(`impossible budget: budget.bufferBits = ${cfg.bufferBits} plus the ${need} fixed bits (${parts}) exceed budget.totalBits = ${cfg.totalBits}`);
    }
    return cfg.bufferBits;
  }
  return cfg.totalBits === null ? null : cfg.totalBits - need;
}

export function memoryReport(parts: Omit<MemoryReport, 'totalBits' | 'budgetBits'>, cfg: BudgetConfig): MemoryReport {
  const totalBits = parts.modelBits + parts.bufferBits + parts.generatorBits + parts.classMapBits + parts.auxiliaryBits +
    (cfg.countTrainingState ? parts.trainingStateBits : 0);
  return { ...parts, totalBits, budgetBits: cfg.totalBits };
}

/** Throws when a report exceeds its budget (a bug: writes are refused earlier). */
export function assertWithinBudget(r: MemoryReport, where: string): void {
  if (r.budgetBits !== null && r.totalBits > r.budgetBits) {
    throw new BudgetError(`${where}: learner uses ${r.totalBits} bits, over budget.totalBits = ${r.budgetBits}`);
  }
}
