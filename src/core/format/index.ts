/**
 * Values, times and tables as people read them (CLI and dashboard). Machine outputs keep full
 * precision and never go through here. Imports nothing; the dashboard (web/) may import it.
 */
export * from './columns.js';
export * from './quantity.js';
export * from './ticks.js';
export * from './time.js';
