/**
 * A plan's axis: anything that can be set and read back. A stage (its position), a laser's
 * wavelength, a voltage source, a camera's exposure, a temperature setpoint: each is one
 * settable quantity of a device (capabilities/settable.ts), with its units and range, and the
 * name its values are recorded under (`stage`, `laser_wavelength`, `piezo_bias_voltage`).
 */
import {
  type Cooled,
  type ExposureControl,
  type Limits,
  type Movable,
  type SettableQuantity,
  setSettable,
  settableQuantitiesOf,
  settableRange,
  settableReadback,
  settableSetpoint,
  settableUnits,
  type VoltageSource,
  type WavelengthTunable,
  capabilitiesOf,
} from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';

/** One axis of a scan: a settable quantity of a device. */
export interface ScanAxis {
  /** The field its values are recorded under: the device's name for a Movable, else `<device>_<quantity>`. */
  readonly name: string;
  /** The device it belongs to. */
  readonly device: Device;
  /** Which of the device's quantities it is. */
  readonly quantity: SettableQuantity;
  /** Units of its values. */
  readonly units: string;
  /** Sets it to `value` and resolves when it is there (a stage waits until settled; aborting stops it). */
  set(value: number, options?: { signal?: AbortSignal }): Promise<void>;
  /** Its present value, read back from the device. */
  readback(): Promise<number>;
  /** The value it was last set to (the readback, except for a temperature, which follows its setpoint). */
  setpoint(): Promise<number>;
  /** Its allowed range. */
  limits(): Promise<Limits>;
}

/** A device that has a settable quantity. */
export type SettableDevice = Device & (Movable | WavelengthTunable | VoltageSource | ExposureControl | Cooled);

/** What a plan takes as an axis: an axis, or a device with exactly one settable quantity. */
export type AxisLike = ScanAxis | SettableDevice;

/** True for a {@link ScanAxis} (as opposed to a device). */
export function isScanAxis(value: unknown): value is ScanAxis {
  return typeof value === 'object' && value !== null && 'quantity' in value && 'device' in value && typeof (value as ScanAxis).readback === 'function';
}

/**
 * The axis of `device`'s settable quantity named `quantity` (a field such as `wavelength`, or a
 * script method that names it such as `setWavelength`), or its only one when not given.
 * @throws DaqError `invalid_argument` naming the device and what it can set.
 */
export function axisOf(device: Device, quantity?: string, plan = 'scan'): ScanAxis {
  const quantities = settableQuantitiesOf(device);
  if (quantities.length === 0) {
    throw new DaqError('invalid_argument', `${plan}: ${device.name} has nothing a scan can set (it is ${capabilitiesOf(device).join(', ') || 'no capability'})`, { device: device.name });
  }
  let chosen: SettableQuantity | undefined;
  if (quantity === undefined) {
    // A Movable's position comes first: a stage that also has other settings is scanned by position.
    const [first] = quantities as [SettableQuantity];
    if (quantities.length > 1 && first.capability !== 'Movable') {
      throw new DaqError(
        'invalid_argument',
        `${plan}: ${device.name} can set ${quantities.map((q) => q.field).join(' and ')}: say which, e.g. ${device.name}.${quantities[0]?.names[0] ?? ''}`,
        { device: device.name },
      );
    }
    chosen = first;
  } else {
    chosen = quantities.find((q) => q.field === quantity || q.names.includes(quantity));
    if (chosen === undefined) {
      throw new DaqError(
        'invalid_argument',
        `${plan}: ${device.name}.${quantity} cannot be scanned; ${device.name} can set ${quantities.map((q) => `${q.names[0] ?? q.field}`).join(', ')}`,
        { device: device.name },
      );
    }
  }
  return makeAxis(device, chosen);
}

/** `value` as an axis: an axis as it is, a device by its only (or its Movable) quantity. */
export function toAxis(value: AxisLike, plan = 'scan'): ScanAxis {
  return isScanAxis(value) ? value : axisOf(value, undefined, plan);
}

function makeAxis(device: Device, quantity: SettableQuantity): ScanAxis {
  return {
    name: quantity.capability === 'Movable' ? device.name : `${device.name}_${quantity.field}`,
    device,
    quantity,
    units: settableUnits(device, quantity),
    set: (value, options) => setSettable(device, quantity, value, options?.signal),
    readback: () => settableReadback(device, quantity),
    setpoint: () => settableSetpoint(device, quantity),
    limits: () => settableRange(device, quantity),
  };
}
