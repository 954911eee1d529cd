export * from './binarizers.js';
export * from './generativeMemory.js';
export * from './latentSource.js';
