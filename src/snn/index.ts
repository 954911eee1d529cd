// SpikeGrad: spike-based backpropagation in integrate-and-fire networks (docs/snn.md).
export * from './ifNeuron.js';
export * from './network.js';
export * from './layers.js';
export * from './outputError.js';
export * from './fastPath.js';
export * from './eventSim.js';
export * from './counters.js';
export * from './train.js';
export * from './data.js';
export * from './accumulateUpdate.js';
export * from './eventEval.js';
export * from './augment.js';
// Conductance-based LIF populations, Poisson sources and STDP projections (the Diehl & Cook baseline).
export * from './stdp/conductanceLif.js';
export * from './stdp/poissonSource.js';
export * from './stdp/projection.js';
