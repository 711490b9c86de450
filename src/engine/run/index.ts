/** Runs: documents, recorder, the run engine and its queue, the script host. */
export * from './configuration.js';
export * from './documents.js';
export * from './event-model.js';
export { numberJson } from './event-model-json.js';
export * from './event-model-keys.js';
export * from './frame-table.js';
export * from './plan-detection.js';
export * from './record-values.js';
export * from './recorder.js';
export * from './run.js';
export * from './run-context.js';
export * from './run-engine.js';
export * from './script-host.js';
export * from './suspenders.js';
export * from './run-preset.js';
