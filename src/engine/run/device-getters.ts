/**
 * Which device methods read a value with units (`position`, `wavelength`, ...: their values keep
 * the device and units when recorded) and which may change a device's configuration (any method
 * that is not a read, a motion or an acquisition: `setExposure`, `setParameter`, `openShutter`,
 * ...; the device's settings are read again before its next recorded event).
 */
import { isMovable, isReadable, SETTABLE_QUANTITIES } from '../../capabilities/index.js';
import type { Device } from '../../devices/index.js';
import type { GetterUnits } from './record-rewrite.js';

/**
 * Units of the getters that have fixed units (a Movable's `position` has the axis's own): the
 * settable quantities' getters (capabilities/settable.ts), and the reads that set nothing.
 */
const FIXED_UNITS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    SETTABLE_QUANTITIES.flatMap((q) => (q.units === undefined ? [] : [[q.readback, q.units], ...(q.setpoint === undefined ? [] : [[q.setpoint, q.units]])])),
  ),
  temperature: 'degC',
  isShutterOpen: '',
  isEmissionEnabled: '',
};

/** Methods that leave a device's configuration as it was: reads, motion, acquisition. */
const NOT_CONFIGURATION = new Set([
  'position', 'moveAbs', 'moveRel', 'waitSettled', 'stop', 'limits',
  'read', 'describe', 'arm', 'trigger', 'snap', 'startStream', 'stopStream', 'frameSize',
  'parameters', 'getParameter', 'roi', 'sensorSize',
  'wavelengthRange', 'temperatureRange', 'exposureRange', 'voltageRange',
  ...Object.keys(FIXED_UNITS),
]);

/** The units of `device.method()` when it is a getter whose value `record` tags, else `undefined`. */
export function getterUnitsOf(device: Device | undefined, method: string): string | undefined {
  if (device === undefined || typeof (device as unknown as Record<string, unknown>)[method] !== 'function') return undefined;
  if (method === 'position') return isMovable(device) ? device.units : undefined;
  return FIXED_UNITS[method];
}

/** {@link GetterUnits} over a lab's devices. */
export function labGetterUnits(devices: readonly Device[]): GetterUnits {
  const byName = new Map(devices.map((d) => [d.name, d]));
  return (device, method) => getterUnitsOf(byName.get(device), method);
}

/**
 * Which direct device calls in a `record()`'s fields the daemon makes by itself, in order, while
 * the script goes on (record-rewrite.ts): the getters with units, and `read()` of a detector.
 */
export function labRecordReads(devices: readonly Device[]): (device: string, method: string) => boolean {
  const byName = new Map(devices.map((d) => [d.name, d]));
  return (name, method) => {
    const device = byName.get(name);
    return getterUnitsOf(device, method) !== undefined || (method === 'read' && device !== undefined && isReadable(device));
  };
}

/** Whether calling `method` may change the device's configuration (its settings). */
export function changesConfiguration(method: string): boolean {
  return !NOT_CONFIGURATION.has(method);
}
