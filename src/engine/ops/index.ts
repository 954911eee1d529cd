export * from './elementwise.js';
export * from './reduce.js';
export * from './layout.js';
export * from './matmul.js';
export * from './conv.js';
export * from './norm.js';
export * from './loss.js';
export * from './dropout.js';
