// Public entry point of the bitspike library. The core is platform-neutral (no Node-only imports);
// Node-specific pieces (file loaders, worker threads) live behind explicit subpaths or lazy imports.
export { Rng, type RngState } from './engine/random.js';
