/**
 * Presets: a named record of devices' settings as they are now, to set them back later
 * (`daq preset save NAME`, `daq preset apply NAME`). A preset holds, per device, every quantity
 * that can be set and read back, with its units: a stage's position, a laser's wavelength, a
 * camera's exposure, ROI and temperature setpoint, an output voltage, a shutter's and an emission's
 * state, and the writable settings of Parameterized devices (velocity, gain, ...).
 *
 * The quantities and how each is read, checked and set are in {@link QUANTITIES}; taking a preset
 * is {@link capturePreset}; applying one is preset-apply.ts.
 */
import {
  checkParameterValue,
  emissionControl,
  hasSettable,
  parameterized,
  type Roi,
  type RoiSelectable,
  roiSelectable,
  SETTABLE_QUANTITIES,
  type SettableQuantity,
  setSettable,
  settableRange,
  settableSetpoint,
  settableUnits,
  shutterControl,
} from '../capabilities/index.js';
import { DaqError, didYouMean, withTimeout } from '../core/index.js';
import type { Device } from './device.js';

/** A value a preset holds: a number, a string, a flag, or a camera's region of interest. */
export type PresetValue = number | string | boolean | Roi;

/** One quantity of a device, as saved. */
export interface PresetField {
  /** `position`, `wavelength`, `exposure`, `roi`, ... or the name of a setting (`velocity`). */
  name: string;
  value: PresetValue;
  /** `mm`, `nm`, `s`, `V`, `degC`, `px` (ROI), ...; empty for flags and dimensionless settings. */
  units: string;
}

/** One device's quantities, as saved. */
export interface PresetDevice {
  device: string;
  /** The driver it had when saved (informative). */
  driver: string;
  fields: PresetField[];
}

/** A named set of device settings. */
export interface Preset {
  name: string;
  /** Free text the user gave when saving. */
  note: string;
  /** When it was saved, ISO 8601 UTC. */
  savedAt: string;
  /** Who saved it: `local` from the CLI in-process, else the daemon's caller (token name). */
  savedBy: string;
  /** The lab it was saved in. */
  lab: string;
  devices: PresetDevice[];
}

/**
 * When a quantity is set during an apply (lower first): the safe way of a switch (shutter
 * closed, then emission off), settings (a stage's velocity before it moves), the camera's and
 * sources' values, moves, and last the unsafe way of a switch (emission on, then the shutter
 * opened), which is applied only when asked for.
 */
export type Stage = 'switch-off' | 'setting' | 'value' | 'move' | 'emission-on' | 'shutter-open';
export const STAGE_ORDER: readonly Stage[] = ['switch-off', 'setting', 'value', 'move', 'emission-on', 'shutter-open'];

/** A quantity of a capability: how to read it, check a value for it, and set it. */
export interface Quantity {
  name: string;
  /** True when `device` has this quantity. */
  has(device: Device): boolean;
  units(device: Device): string;
  read(device: Device): Promise<PresetValue>;
  /** What is wrong with `value` for this device (type, range), or undefined. */
  check(device: Device, value: PresetValue): Promise<string | undefined>;
  /** The stage of setting `value` (a switch's depends on the way it goes). */
  stage(value: PresetValue): Stage;
  set(device: Device, value: PresetValue, signal: AbortSignal | undefined): Promise<void>;
}

type Limits = { min: number; max: number };

/** A number in `limits`, in `units`. */
function inRange(value: PresetValue, limits: Limits, units: string): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a number, got ${JSON.stringify(value)}`;
  const u = units === '' ? '' : ` ${units}`;
  return value < limits.min || value > limits.max ? `${value}${u} is outside ${limits.min}..${limits.max}${u}` : undefined;
}

function flag(value: PresetValue): string | undefined {
  return typeof value === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
}

/** A settable quantity of a capability (position, wavelength, exposure, ...: capabilities/settable.ts). */
function settable(quantity: SettableQuantity): Quantity {
  return {
    // a temperature is saved as its setpoint (what was set), not the sensor's reading
    name: quantity.setpoint === undefined ? quantity.field : `${quantity.field}_setpoint`,
    has: (d) => hasSettable(d, quantity),
    units: (d) => settableUnits(d, quantity),
    read: (d) => settableSetpoint(d, quantity),
    check: async (d, value) => inRange(value, await settableRange(d, quantity), settableUnits(d, quantity)),
    stage: () => (quantity.capability === 'Movable' ? 'move' : 'value'),
    set: (d, value, signal) => setSettable(d, quantity, value as number, signal),
  };
}

/** An on/off switch whose `true` is the unsafe way (open shutter, emission on). */
function onOff<T>(name: string, onStage: Stage, guard: (d: unknown) => d is T, get: (d: T) => Promise<boolean>, on: (d: T) => Promise<void>, off: (d: T) => Promise<void>): Quantity {
  return {
    name,
    has: guard,
    units: () => '',
    read: (d) => get(d as T),
    check: async (_d, value) => flag(value),
    stage: (value) => (value === true ? onStage : 'switch-off'),
    set: (d, value) => (value === true ? on(d as T) : off(d as T)),
  };
}

/** The region of interest of a camera, checked against its sensor. */
const roi: Quantity = {
  name: 'roi',
  has: roiSelectable.is,
  units: () => 'px',
  read: (d) => (d as unknown as RoiSelectable).roi(),
  check: async (d, value) => {
    if (typeof value !== 'object' || value === null) return `expected {x, y, width, height} in pixels, got ${JSON.stringify(value)}`;
    const r = value as unknown as Record<string, unknown>;
    const keys = ['x', 'y', 'width', 'height'] as const;
    if (!keys.every((k) => typeof r[k] === 'number' && Number.isInteger(r[k]) && (r[k] as number) >= 0)) return `expected whole numbers x, y, width, height >= 0, got ${JSON.stringify(value)}`;
    const sensor = (d as unknown as RoiSelectable).sensorSize();
    if (value.width < 1 || value.height < 1 || value.x + value.width > sensor.width || value.y + value.height > sensor.height) {
      return `${value.width}x${value.height} at (${value.x}, ${value.y}) does not fit the ${sensor.width}x${sensor.height} px sensor`;
    }
    return undefined;
  },
  stage: () => 'value',
  set: (d, value) => (d as unknown as RoiSelectable).setRoi(value as Roi),
};

/**
 * Every quantity a preset holds besides settings, by the name its field has (the names of
 * `daq devices`' readbacks, so that a setting of the same name is not saved twice).
 */
export const QUANTITIES: readonly Quantity[] = [
  ...SETTABLE_QUANTITIES.map(settable),
  roi,
  onOff('shutter_open', 'shutter-open', shutterControl.is, (d) => d.isShutterOpen(), (d) => d.openShutter(), (d) => d.closeShutter()),
  onOff('emission', 'emission-on', emissionControl.is, (d) => d.isEmissionEnabled(), (d) => d.enableEmission(), (d) => d.disableEmission()),
];

/** A writable setting of a Parameterized device as a quantity. */
function settingQuantity(device: Device, name: string): Quantity | undefined {
  if (!parameterized.is(device)) return undefined;
  const info = device.parameters().find((p) => p.name === name && p.writable);
  if (info === undefined) return undefined;
  return {
    name,
    has: () => true,
    units: () => info.units,
    read: () => device.getParameter(name),
    check: async (_d, value) => checkParameterValue(info, value),
    stage: () => 'setting',
    set: (_d, value) => device.setParameter(name, value as number | string | boolean),
  };
}

/** The quantity `name` of `device` (a capability's, else a writable setting), or undefined. */
export function quantityOf(device: Device, name: string): Quantity | undefined {
  const own = QUANTITIES.find((q) => q.name === name);
  if (own !== undefined) return own.has(device) ? own : undefined;
  return settingQuantity(device, name);
}

/** Every quantity of `device` a preset saves, capabilities' first, then its writable settings. */
export function quantitiesOf(device: Device): Quantity[] {
  const list = QUANTITIES.filter((q) => q.has(device));
  if (parameterized.is(device)) {
    for (const info of device.parameters()) {
      if (!info.writable || list.some((q) => q.name === info.name)) continue;
      const q = settingQuantity(device, info.name);
      if (q !== undefined) list.push(q);
    }
  }
  return list;
}

/** What {@link capturePreset} needs of a lab. */
export interface PresetLab {
  readonly name: string;
  devices(): readonly Device[];
  device(name: string): Device;
  /** Each device's state as users see it (faulted when its config settings could not be applied). */
  summary(): readonly { name: string; state: string; fault?: string }[];
}

/** Why `device` cannot be read or set now (`stage: faulted (why)`), or undefined when it is connected. */
export function notReady(lab: PresetLab, device: Device): string | undefined {
  const seen = lab.summary().find((s) => s.name === device.name);
  const state = seen?.state ?? device.state;
  if (state === 'idle' || state === 'busy') return undefined;
  const fault = seen?.fault ?? device.fault?.message;
  return `${device.name}: ${state}${fault === undefined ? '' : ` (${fault})`}`;
}

/** Options of {@link capturePreset}. */
export interface CaptureOptions {
  name: string;
  note?: string;
  savedBy: string;
  /** Seconds since the Unix epoch. */
  nowS: number;
  /** Only these devices (all connected devices with something settable when absent or empty). */
  devices?: readonly string[];
  /** Seconds each read may take (default 2). */
  timeoutS?: number;
}

/** A preset taken, and what was left out of it (`device: why`, `device.field: why`). */
export interface Captured {
  preset: Preset;
  leftOut: string[];
}

/**
 * Reads the settable quantities of the lab's devices (or of `options.devices`) into a preset.
 * A named device that is unknown or not connected is an error; without names, such devices are
 * left out (and said so). A quantity that cannot be read is left out too.
 */
export async function capturePreset(lab: PresetLab, options: CaptureOptions): Promise<Captured> {
  const timeoutS = options.timeoutS ?? 2;
  const named = options.devices !== undefined && options.devices.length > 0;
  const all = lab.devices();
  if (named) {
    const problems = (options.devices ?? []).filter((n) => !all.some((d) => d.name === n)).map((n) => new DaqError('not_found', `${n}: no such device in lab "${lab.name}"${didYouMean(n, all.map((d) => d.name))} (devices: ${all.map((d) => d.name).join(', ')})`, { device: n }));
    if (problems.length > 0) throw new DaqError('not_found', `preset ${options.name}: cannot save`, { children: problems });
  }
  const chosen = named ? (options.devices ?? []).map((n) => lab.device(n)) : all;
  const leftOut: string[] = [];
  const devices: PresetDevice[] = [];
  for (const device of chosen) {
    const quantities = quantitiesOf(device);
    if (quantities.length === 0) {
      if (named) throw new DaqError('failed_precondition', `preset ${options.name}: ${device.name} (${device.driver}) has nothing that can be set`, { device: device.name });
      continue;
    }
    const why = notReady(lab, device);
    if (why !== undefined) {
      if (named) throw new DaqError('failed_precondition', `preset ${options.name}: cannot read ${why}`, { device: device.name });
      leftOut.push(why);
      continue;
    }
    const fields: PresetField[] = [];
    for (const q of quantities) {
      try {
        const value = await withTimeout(q.read(device), timeoutS, `no answer within ${timeoutS} s`);
        fields.push({ name: q.name, value: typeof value === 'object' ? { ...value } : value, units: q.units(device) });
      } catch (error) {
        leftOut.push(`${device.name}.${q.name}: ${DaqError.from(error).message}`);
      }
    }
    if (fields.length > 0) devices.push({ device: device.name, driver: device.driver, fields });
  }
  if (devices.length === 0) {
    throw new DaqError('failed_precondition', `preset ${options.name}: nothing to save${leftOut.length === 0 ? ' (no device has anything that can be set)' : `: ${leftOut.join('; ')}`}`);
  }
  const preset: Preset = { name: options.name, note: options.note ?? '', savedAt: new Date(options.nowS * 1000).toISOString(), savedBy: options.savedBy, lab: lab.name, devices };
  return { preset, leftOut };
}

/** A value for people: `12.5 mm`, `true`, `64x64 at (0, 0)`. */
export function presetValueText(value: PresetValue | undefined, units: string): string {
  if (value === undefined) return '?';
  if (typeof value === 'object') return `${value.width}x${value.height} at (${value.x}, ${value.y})`;
  if (typeof value === 'number') return units === '' ? String(value) : `${value} ${units}`;
  return String(value);
}
