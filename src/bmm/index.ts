// Bernoulli mixture models on bit-packed binary data (the GBM core). See docs/bmm.md.
export { type PackedRows, packBits, unpackBits, getBit, validatePackedRows } from '../engine/bits.js';
export { BernoulliMixture, type BmmParams, DEFAULT_EPS } from './model.js';
export {
  fitBmm, type FitOptions, type FitResult, type EmEvent, type RestartSummary, type EmptyComponentPolicy,
} from './em.js';
export { type InitMethod } from './init.js';
export { selectComponents, bic, type SelectionEntry, type SelectionResult } from './select.js';
export { sampleMixture, byteThresholds, type SampleOptions, type SampleResult } from './sample.js';
export { serializeBmm, deserializeBmm, BMM_FORMAT_VERSION } from './serialize.js';
export { quantizeModel, quantizeProbability, dequantizeProbability, quantizationStep } from './quantize.js';
export { type Precision, PRECISIONS, precisionBits, bmmMemoryBits, generatorMemoryBits } from './memory.js';
export { type KernelChoice, resolveKernels } from './backend.js';
export { initBmmKernels, wasmBmmAvailable } from './kernels-wasm.js';
export { referenceKernels } from './kernels-reference.js';
export type { BmmKernels, BmmWorkspace } from './kernels.js';
