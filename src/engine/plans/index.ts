/** Plans: experiment building blocks written against capabilities, not devices. */
export * from './line-scan.js';
