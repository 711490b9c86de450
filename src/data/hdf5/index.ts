/** Run files (HDF5, written by a worker thread from the ring), the run catalog, and export (docs/data.md). */
export { Catalog, type CatalogEntry } from './catalog.js';
export { type InstrumentSettings, readInstrument } from './instrument.js';
export { RunStorage, type RunStorageOptions, type StorageStatus } from './run-storage.js';
export { type ExportFormat, exportRunFile, type RunExport } from './exporter.js';
