export * from './module.js';
export * from './layers.js';
export * from './models.js';
