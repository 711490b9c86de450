/** Shared primitives of every layer: errors, time, events, name suggestions, processes, formatting for people. Imports nothing of ours. */
export * from './errors.js';
export * from './clock.js';
export * from './emitter.js';
export * from './suggest.js';
export * from './process.js';
export * from './timeout.js';
export * from './format/index.js';
