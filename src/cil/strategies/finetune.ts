// Fine-tuning: plain cross-entropy on the current task only — the lower bound (catastrophic forgetting).
import type { StrategyEntry } from '../strategy.js';

export const finetune: StrategyEntry = {
  description: 'fine-tuning on each task in turn, no memory (lower bound)',
  options: {},
  create: () => ({ name: 'finetune', split: null, state: () => null, loadState: () => undefined }),
};
