/** Devices: the device base, drivers' contract, lab config and the lab (device registry). */
export * from './device.js';
export * from './driver.js';
export * from './parameter-set.js';
export * from './range.js';
