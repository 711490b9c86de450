/** The data layer: the live ring buffer (and, later, the HDF5 writer). Knows no api, cli or web. */
export * from './ring/index.js';
export * from './hdf5/index.js';
export { judgeRing, removeStaleRings, type RingStatus, ringStatuses, type RingVerdict, unfinishedRuns } from './ring-cleanup.js';
export { createDataDir, DATA_DIR_MARKER } from './data-dir.js';
export { checkPresetName, MAX_PRESET_NAME, parsePreset, PRESET_FORMAT, PresetStore } from './preset-store.js';
export { type LoadedQueue, QUEUE_FORMAT, type QueuedRunRecord, type QueuedValue, QueueStore } from './queue-store.js';
