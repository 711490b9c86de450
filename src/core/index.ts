/** Shared primitives of every layer: errors, time, events, name suggestions. Imports nothing of ours. */
export * from './errors.js';
export * from './clock.js';
export * from './emitter.js';
export * from './suggest.js';
