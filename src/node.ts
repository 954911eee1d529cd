// Node-only entry point (`bitspike/node`): everything in the platform-neutral core plus file
// loaders, the dataset cache and downloads.
export * from './index.js';
export * as dataNode from './data/node.js';
