// How many old-class samples join a minibatch of B new ones, shared by every replay strategy so a
// comparison can hold the ratio equal (docs/methods-cil.md §2.6, §3.5):
//   'batch'   — B (half new, half replayed: the replay papers' default);
//   'classes' — B·|C_old|/|C_new|, at least 1 and at most 4B, so each seen class is about equally
//               represented in a minibatch (GBM's default).
// An explicit replayBatch overrides both.
import type { Field } from './schema.js';

export type ReplayRatio = 'batch' | 'classes';

export function replayRatioField(defaultRatio: ReplayRatio): Field {
  return {
    kind: 'string', enum: ['batch', 'classes'], default: defaultRatio,
    help: "replayed per minibatch of B when replayBatch is null: 'batch' = B, 'classes' = B·|old classes|/|new classes| (≤ 4B)",
  };
}

export function replayCount(ratio: ReplayRatio, replayBatch: number | null, B: number, oldClasses: number, newClasses: number): number {
  if (replayBatch !== null) return replayBatch;
  if (ratio === 'batch') return B;
  return Math.max(1, Math.min(4 * B, Math.round((B * oldClasses) / Math.max(1, newClasses))));
}
