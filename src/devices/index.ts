/** Devices: the device base, drivers' contract, lab config and the lab (device registry). */
export * from './device.js';
export * from './driver.js';
export * from './parameter-set.js';
export * from './range.js';
export * from './lab.js';
export * from './connect-retry.js';
export * from './lab-config.js';
export * from './cluster-names.js';
export * from './toml-locations.js';
export * from './settle.js';
export * from './readbacks.js';
export * from './preset.js';
export * from './preset-apply.js';
