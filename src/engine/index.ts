/** The engine: plans, runs, the queue and run documents. */
export * from './plans/index.js';
export * from './run/index.js';
