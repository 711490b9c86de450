/**
 * The settable quantities of the capabilities: what a plan can scan. A Movable's position, a
 * WavelengthTunable's wavelength, a VoltageSource's voltage, an ExposureControl's exposure and a
 * Cooled device's temperature setpoint can each be set and read back, have a range and units.
 * One table, so plans, the script declarations and the recorded units agree.
 */
import { cooled } from './cooled.js';
import type { CapabilitySpec } from './define.js';
import { exposureControl } from './exposure-control.js';
import { type Limits, type Movable, movable } from './movable.js';
import { voltageSource } from './voltage-source.js';
import { wavelengthTunable } from './wavelength-tunable.js';

/** The capabilities that have a settable quantity (by name, and the spec that tells a device has it). */
const HAVE_SETTABLE = { Movable: movable, WavelengthTunable: wavelengthTunable, VoltageSource: voltageSource, ExposureControl: exposureControl, Cooled: cooled } as const;

/** One settable quantity of a capability. */
export interface SettableQuantity {
  /** The capability that has it. */
  readonly capability: keyof typeof HAVE_SETTABLE;
  /** Its name in recorded fields (`<device>_<field>`), and the getter scripts name it by. */
  readonly field: string;
  /** The method that sets it (its first argument is the value). */
  readonly set: string;
  /** The method that reads it back (what is recorded as the axis's value). */
  readonly readback: string;
  /** The method that reads the value last set, when that differs from the readback (a temperature setpoint). */
  readonly setpoint?: string;
  /** The method that gives its range (sync or async). */
  readonly range: string;
  /** Its units; `undefined`: the device's own `units` (a Movable's position). */
  readonly units: string | undefined;
  /** Script methods that name this quantity as a plan's axis (`laser.wavelength`, `laser.setWavelength`). */
  readonly names: readonly string[];
}

/** Every settable quantity, in the order a device with several lists them. */
export const SETTABLE_QUANTITIES: readonly SettableQuantity[] = [
  { capability: 'Movable', field: 'position', set: 'moveAbs', readback: 'position', range: 'limits', units: undefined, names: ['position', 'moveAbs'] },
  { capability: 'WavelengthTunable', field: 'wavelength', set: 'setWavelength', readback: 'wavelength', range: 'wavelengthRange', units: 'nm', names: ['wavelength', 'setWavelength'] },
  { capability: 'VoltageSource', field: 'voltage', set: 'setVoltage', readback: 'voltage', range: 'voltageRange', units: 'V', names: ['voltage', 'setVoltage'] },
  { capability: 'ExposureControl', field: 'exposure', set: 'setExposure', readback: 'exposure', range: 'exposureRange', units: 's', names: ['exposure', 'setExposure'] },
  // The readback is the sensor's temperature, which follows the setpoint over time.
  { capability: 'Cooled', field: 'temperature', set: 'setTemperature', readback: 'temperature', setpoint: 'temperatureSetpoint', range: 'temperatureRange', units: 'degC', names: ['temperatureSetpoint', 'setTemperature'] },
];

/** Every script method name that names a settable quantity. */
export const SETTABLE_METHOD_NAMES: readonly string[] = SETTABLE_QUANTITIES.flatMap((q) => q.names);

/** The settable quantities `device` has, in {@link SETTABLE_QUANTITIES} order. */
export function settableQuantitiesOf(device: unknown): SettableQuantity[] {
  return SETTABLE_QUANTITIES.filter((q) => hasSettable(device, q));
}

/** The settable quantity of `device` that script method `method` names, if any. */
export function settableQuantityNamed(device: unknown, method: string): SettableQuantity | undefined {
  return settableQuantitiesOf(device).find((q) => q.names.includes(method));
}

/** `device`'s range of `quantity`, whether its range method is sync or async. */
export async function settableRange(device: object, quantity: SettableQuantity): Promise<Limits> {
  return await (device as Record<string, () => Limits | Promise<Limits>>)[quantity.range]!();
}

/** Whether `device` has `quantity`. */
export function hasSettable(device: unknown, quantity: SettableQuantity): boolean {
  return (HAVE_SETTABLE[quantity.capability] as CapabilitySpec<unknown>).is(device);
}

/** The value `device`'s `quantity` was last set to (its readback, except a temperature's setpoint). */
export function settableSetpoint(device: object, quantity: SettableQuantity): Promise<number> {
  return (device as Record<string, () => Promise<number>>)[quantity.setpoint ?? quantity.readback]!();
}

/** `device`'s `quantity` read back. */
export function settableReadback(device: object, quantity: SettableQuantity): Promise<number> {
  return (device as Record<string, () => Promise<number>>)[quantity.readback]!();
}

/** Sets `device`'s `quantity` to `value`; a move waits until settled, and `signal` aborts it. */
export async function setSettable(device: object, quantity: SettableQuantity, value: number, signal?: AbortSignal): Promise<void> {
  if (quantity.capability === 'Movable') return (device as Movable).moveAbs(value, signal === undefined ? {} : { signal });
  await (device as Record<string, (v: number) => Promise<void>>)[quantity.set]!(value);
}

/** Units of `device`'s `quantity`. */
export function settableUnits(device: object, quantity: SettableQuantity): string {
  return quantity.units ?? (device as Movable).units;
}
