// Hot compute kernels (SIMD128) behind src/engine/kernels/wasm.ts.
//
// No allocation and no mutable statics: every operand and every per-thread scratch buffer is a
// pointer into the one shared memory the host manages, so each thread runs its own instance of
// this module over a disjoint range of output rows/images/planes. Per-element reduction order never
// depends on that range, which keeps results bit-identical for any thread count.
//
// This entry file only lists the module's exports (scripts/build-wasm.mjs compiles it; the kernels
// live in asm/kernels/, one file per family). The host looks exports up by name, and the list in
// src/engine/kernels/wasm.ts (WORKER_FUNCTIONS and the scratch-size queries) must match it.
export { gemmScratchBytes, gemmKc, sgemm } from './kernels/sgemm';
export { convScratchBytes, conv2dForward, conv2dBackwardInput, conv2dBackwardFilter, reduceChunks, conv2dBackward } from './kernels/conv';
export { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward } from './kernels/pooling';
export { packSigns, unpackSigns, bgemm, popcountRows } from './kernels/bits';
export { batchNormForward, batchNormBackward } from './kernels/batchNorm';
export { relu, reluBackward, add, scaleRows } from './kernels/elementwise';
export { adamStep } from './kernels/optim';
export { spikeCounts, errorCounts, countStats } from './kernels/spikes';
export { bconvScratchBytes, bconv } from './kernels/bconv';
export { winogradScratchBytes, winogradFilter, winogradConv, xiStride, winogradGradScratchBytes, winogradFilterGrad, winogradFilterGradPartials, winogradFilterOut } from './kernels/winograd';
export { winograd4ScratchBytes, winograd4Filter, winograd4Conv, winograd4GradScratchBytes, winograd4FilterGrad, winograd4FilterGradPartials, winograd4FilterOut } from './kernels/winograd4';
