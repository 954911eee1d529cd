// ONNX import (a frozen encoder on bitspike's kernels) and export. Platform-neutral: Node file
// access lives in io-node.ts (exported from bitspike/node).
export { OnnxError } from './errors.js';
export type { Attr, OnnxIo, OnnxModel, OnnxNode } from './graph.js';
export { loadOnnx, MIN_OPSET, operatorCounts, parameterCount, type ExternalReader, type LoadOptions } from './model.js';
export { SUPPORTED_OPS, isSupportedOp } from './ops.js';
export { fuseBatchNorm } from './fuse.js';
export { OnnxPlan } from './plan.js';
export { OnnxRunner, resolveCut, type CutPoint } from './runner.js';
export { OnnxEncoder } from './encoder.js';
export type { Value, ValueType } from './value.js';
export { exportOnnx, EXPORT_OPSET, type ExportOptions } from './export.js';
