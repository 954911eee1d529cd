// How a strategy is offered by name: a description, the schema of its options (the keys allowed
// next to `name` in config.strategy) and a factory. The hooks a strategy implements (Strategy) are
// part of the learner's contract in ./learner.ts; the registry by name is ./strategies/index.ts, so
// no strategy imports the file that lists every strategy.
import type { Strategy } from './learner.js';
import type { ObjectFields } from './schema.js';

export interface StrategyEntry<O = Record<string, unknown>> {
  readonly description: string;
  /** Option schema (the keys allowed next to `name` in config.strategy). */
  readonly options: ObjectFields;
  create(options: O): Strategy;
}
