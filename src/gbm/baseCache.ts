// Reuse of a trained base-task (t = 0) model across strategies and ablations. For GBM and latent
// replay the encoder is frozen after the base task, and for every strategy whose base task is plain
// cross-entropy on the base classes (finetune, joint, native and latent replay, GBM) the learner's
// state at the end of the base-task epochs is the same given the seed, data, model and training
// settings: the buffers are still empty, so nothing is replayed and no extra random draws happen.
// Caching that state (weights + Rng) skips most of the compute of an ablation grid; the strategy's
// own end-of-task work (freezing, fitting the mixtures, filling buffers) still runs on the cached
// model, so a cached run reproduces the uncached one exactly (the test suite checks this).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Rng, type RngState } from '../engine/random.js';
import { DEFAULT_BUDGET } from '../cil/budget.js';
import type { ExperimentConfig } from '../cil/config.js';
import { canonicalConfig } from '../cil/config.js';
import { makeSamples } from '../cil/samples.js';
import { parseIncrementSpec } from '../data/scenario.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { Strategy } from '../cil/learner.js';

/** Strategies whose base task is plain cross-entropy with no replay (their t = 0 state is shared). */
export const BASE_SHAREABLE = ['finetune', 'joint', 'native-replay', 'latent-replay', 'gbm'] as const;

interface CachedBase { version: 1; key: string; rng: RngState; weights: Record<string, string> }

/**
 * Key of the base-task state: everything that shapes it (data, model, training, seed), not the
 * strategy or the budget. The latent split changes the architecture only for the MLP (a sign STE
 * replaces a ReLU at the latent layer); conv backbones have one latent point and the same network.
 * An ONNX backbone's file contents are part of the key (a file rewritten in place is another base).
 */
export function baseCacheKey(cfg: ExperimentConfig, strategy: Strategy): string {
  // Only the base task shapes the base: 'B100 Inc10' and 'B100 Inc20' (same order) share it.
  let scenario = cfg.data.scenario;
  try { const { base, increment } = parseIncrementSpec(scenario); scenario = `base ${base > 0 ? base : increment}`; } catch { /* another scenario kind: keyed as written */ }
  const canon = canonicalConfig({
    ...cfg, name: '', data: { ...cfg.data, scenario }, strategy: { name: 'base', options: { split: cfg.model.kind === 'mlp' ? strategy.split : null } }, budget: DEFAULT_BUDGET, frozen: null,
  });
  const h = createHash('sha256').update(canon);
  // An imported encoder is named by its path: its bytes (and external data) shape the base too.
  if (cfg.model.kind === 'onnx') {
    h.update(fs.readFileSync(cfg.model.file));
    const dir = path.dirname(cfg.model.file), base = path.basename(cfg.model.file);
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith(base) && n !== base).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  }
  return h.digest('hex').slice(0, 24);
}

export interface BaseCacheStatus { file: string; hit: boolean }

/**
 * Wraps `inner` so that its base task is loaded from `dir` when cached there (the epochs then iterate
 * over no samples) or saved there after training. Returns the wrapped strategy and its status.
 */
export function withBaseCache(inner: Strategy, cfg: ExperimentConfig, dir: string): { strategy: Strategy; status: BaseCacheStatus } {
  if (!(BASE_SHAREABLE as readonly string[]).includes(cfg.strategy.name)) {
    throw new RangeError(`base cache: strategy '${cfg.strategy.name}' does not share the plain base task (shareable: ${BASE_SHAREABLE.join(', ')})`);
  }
  const key = baseCacheKey(cfg, inner);
  const file = path.join(dir, `base-${key}.json`);
  let cached: CachedBase | null = null;
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as CachedBase;
    if (parsed.version !== 1 || parsed.key !== key) throw new TypeError(`${file}: not a base cache for key ${key}`);
    cached = parsed;
  }
  const status: BaseCacheStatus = { file, hit: cached !== null };
  const strategy: Strategy = {
    ...inner,
    trainingData: (learner, task) => {
      if (learner.tasksLearned === 0 && cached) return makeSamples(new Uint8Array(0), new Int32Array(0), task.dim);
      return inner.trainingData?.(learner, task) ?? task;
    },
    afterTask: (learner, task) => {
      if (learner.tasksLearned === 0) {
        if (cached) {
          learner.loadEncodedWeights(cached.weights, file);
          learner.rng = Rng.fromState(cached.rng);
        } else {
          writeFileAtomic(file, JSON.stringify({ version: 1, key, rng: learner.rng.state(), weights: learner.encodedWeights() } satisfies CachedBase));
        }
      }
      inner.afterTask?.(learner, task);
    },
  };
  return { strategy, status };
}
