export * from './binarizers.js';
export * from './generativeMemory.js';
