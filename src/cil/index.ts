// Platform-neutral class-incremental learning API (runs in a browser Worker as in Node). The runner,
// config files, snapshots and HTML reports are Node-only: see src/node.ts.
export * from './learner.js';
export * from './strategy.js';
export * from './metrics.js';
export * from './budget.js';
export * from './latentSource.js';
export * from './latentSources/index.js';
export { bufferSource } from './latentSources/buffer.js';
export * from './strategies/index.js';
export * from './samples.js';
export * from './model.js';
