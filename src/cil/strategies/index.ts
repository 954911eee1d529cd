// Every strategy by name: the one file that imports them all. Strategies depend only on the contract
// in ../strategy.ts, so adding one is one file under strategies/ plus one line here.
import type { StrategyEntry } from '../strategy.js';
import { finetune } from './finetune.js';
import { gbm } from './gbm.js';
import { icarl } from './icarl.js';
import { joint } from './joint.js';
import { latentReplay } from './latentReplay.js';
import { lwf } from './lwf.js';
import { nativeReplay } from './nativeReplay.js';

export const STRATEGIES: Record<string, StrategyEntry<never>> = {
  finetune,
  joint,
  'native-replay': nativeReplay,
  'latent-replay': latentReplay,
  lwf,
  icarl,
  gbm,
};

export const STRATEGY_NAMES = Object.keys(STRATEGIES);

export function strategyEntry(name: string): StrategyEntry<Record<string, unknown>> {
  const e = STRATEGIES[name];
  if (!e) throw new RangeError(`unknown strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  return e as unknown as StrategyEntry<Record<string, unknown>>;
}
