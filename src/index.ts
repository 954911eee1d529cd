// Public entry point of the bitspike library. The core is platform-neutral (no Node-only imports);
// Node-specific pieces (file loaders, worker threads) are loaded lazily or live in src/data and src/cli.
export * from './engine/index.js';
export * as nn from './nn/index.js';
export * as data from './data/index.js';
export * as bmm from './bmm/index.js';
export * as gbm from './gbm/index.js';
export * as snn from './snn/index.js';
export * as cil from './cil/index.js';
export * as relational from './relational/index.js';
export * as bnn from './bnn/index.js';
export * as onnx from './onnx/index.js';
