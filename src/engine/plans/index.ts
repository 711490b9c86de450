/** Plans: experiment building blocks written against capabilities, not devices. */
export * from './scans.js';
export * from './step-scan.js';
export * from './axis.js';
export * from './adaptive-scan.js';
export * from './stop-when.js';
export * from './fly-scan.js';
