export * from './populationCode.js';
export * from './relations.js';
export * from './network.js';
export * from './visualXor.js';
export * from './inputCoding.js';
export * from './stdpRelational.js';
