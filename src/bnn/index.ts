// Binary neural networks (browser-safe part). Node file I/O: ./io-node.ts.
export * from './quantizers.js';
export * from './inputEncoding.js';
export * from './scaledSign.js';
export { BinaryConv2d, BINARY_PAD_VALUE, padSpatial, type BinaryConv2dConfig } from './binaryConv.js';
export * from './binaryLinear.js';
export * from './binaryNet.js';
export * from './fbnnLayout.js';
export * from './deploy.js';
export * from './packedInference.js';
export * from './summary.js';
export * from './format.js';
export * from './exportC.js';
export * from './train.js';
