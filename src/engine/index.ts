/** The engine: plans now; runs, queue and run documents come with the scripting issue. */
export * from './plans/index.js';
