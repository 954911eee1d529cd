// Node-only entry point (`bitspike/node`): everything in the platform-neutral core plus file
// loaders, the dataset cache, downloads, and the class-incremental runner (config files, snapshots,
// HTML reports).
export * from './index.js';
export * as dataNode from './data/node.js';
export * as cilRunner from './cil/runner.js';
export * as cilConfig from './cil/config.js';
export * as cilReport from './cil/report.js';
export * as fbnnReplay from './fbnn/study.js';
export { readOnnxFile } from './onnx/io-node.js';
export { readNpy, writeNpy, NpyError, type NpyArray } from './data/npy.js';
