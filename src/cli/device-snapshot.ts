/**
 * The lab as `daq devices` shows it, like QCoDeS' station snapshot: each device's driver, state
 * and capabilities, then what it reads back now (position, wavelength, temperature, ...) and its
 * settings, with units. The same from a lab connected here or from a daemon's ListDevices, so
 * `daq devices --config` and `daq devices --remote` print alike.
 */
import type { DeviceInfo } from '../api/gen/daq/v1/hardware_pb.js';
import { isMovable } from '../capabilities/index.js';
import { formatColumns, formatQuantity } from '../core/index.js';
import { readInstrument } from '../data/hdf5/instrument.js';
import { type Lab, readBacks } from '../devices/index.js';
import { formatTable } from './output.js';
import { plainValue } from './remote.js';

/** One value of a device: a readback or a setting. */
export interface SnapshotValue {
  name: string;
  value: unknown;
  units: string;
  /** A setting of type `integer` (shown without decimals). */
  integer?: boolean;
}

/** One device of the snapshot. */
export interface DeviceSnapshot {
  name: string;
  driver: string;
  state: string;
  capabilities: string[];
  fault?: string;
  /** What it reads back now, by capability. */
  values: SnapshotValue[];
  /** Its settings (Parameterized devices), without those already in `values`. */
  settings: SnapshotValue[];
  /** Travel limits of a Movable device, in the units of its position. */
  limits?: { min: number; max: number };
  /** Values and settings that could not be read, as `name: why`. */
  unreadable?: string[];
}

/** The snapshot of a connected lab (Readable devices measure once). */
export async function snapshotOfLab(lab: Lab): Promise<DeviceSnapshot[]> {
  const summaries = lab.summary();
  const instrument = await readInstrument(lab);
  return Promise.all(
    lab.devices().map(async (device, i) => {
      const summary = summaries[i] as (typeof summaries)[number];
      const readbacks = await readBacks(device, { measure: true });
      const settings = instrument.find((s) => s.device === device.name);
      const connected = device.state === 'idle' || device.state === 'busy';
      const limits = isMovable(device) && connected ? await device.limits().catch(() => undefined) : undefined;
      const unreadable = [...readbacks.unreadable, ...(settings?.unreadable ?? [])];
      return {
        ...summary,
        values: readbacks.values.map((v) => ({ ...v })),
        settings: (settings?.settings ?? []).filter((s) => !readbacks.values.some((v) => v.name === s.name)).map((s) => ({ name: s.name, value: s.value, units: s.units, ...(s.type === 'integer' ? { integer: true } : {}) })),
        ...(limits === undefined ? {} : { limits: { min: limits.min, max: limits.max } }),
        ...(unreadable.length === 0 ? {} : { unreadable }),
      };
    }),
  );
}

/** The snapshot of a device as a daemon's ListDevices gives it (with `measure`). */
export function snapshotOfInfo(d: DeviceInfo): DeviceSnapshot {
  const values = d.values.map((v) => ({ name: v.name, value: plainValue(v.value), units: v.units }));
  return {
    name: d.name,
    driver: d.driver,
    state: d.state,
    capabilities: d.capabilities,
    ...(d.fault ? { fault: d.fault } : {}),
    values,
    settings: d.settings.filter((s) => s.value !== undefined && !values.some((v) => v.name === s.name)).map((s) => ({ name: s.name, value: plainValue(s.value), units: s.units, ...(s.type === 'integer' ? { integer: true } : {}) })),
    ...(d.limits === undefined ? {} : { limits: { min: d.limits.min, max: d.limits.max } }),
    ...(d.unreadable.length === 0 ? {} : { unreadable: d.unreadable }),
  };
}

/** A value for people: with unit and SI prefix; flags as on/off words where the name says so. */
export function valueText(v: SnapshotValue): string {
  if (typeof v.value === 'number') return formatQuantity(v.value, v.units, { integer: v.integer === true });
  if (typeof v.value === 'boolean') return v.name === 'shutter_open' ? (v.value ? 'open' : 'closed') : v.name === 'emission' ? (v.value ? 'on' : 'off') : String(v.value);
  if (Array.isArray(v.value)) return `[${v.value.length} values]`;
  return String(v.value);
}

/** The snapshot as text: the device table, then each device's values and settings. */
export function formatSnapshot(devices: readonly DeviceSnapshot[]): string {
  const table = formatTable(['NAME', 'DRIVER', 'STATE', 'CAPABILITIES'], devices.map((d) => [d.name, d.driver, d.state, d.capabilities.join(', ')]));
  const rows: string[][] = [];
  for (const d of devices) {
    const entries = [...d.values, ...d.settings];
    const first = rows.length;
    for (const v of entries) {
      const note = v.name === 'position' && d.limits !== undefined ? `limits ${formatQuantity(d.limits.min, v.units)} to ${formatQuantity(d.limits.max, v.units)}` : d.values.includes(v) ? '' : 'setting';
      rows.push(['', v.name, valueText(v), note]);
    }
    for (const why of d.unreadable ?? []) rows.push(['', why.split(':')[0] ?? why, 'unreadable', why.slice(why.indexOf(':') + 1).trim()]);
    if (d.fault !== undefined) rows.push(['', 'fault', '', d.fault]);
    if (rows.length === first) rows.push(['', '', d.state === 'idle' || d.state === 'busy' ? '(nothing to read back)' : `(${d.state})`, '']);
    (rows[first] as string[])[0] = d.name;
  }
  const values = formatColumns(['DEVICE', 'VALUE', 'NOW', ''], rows, ['left', 'left', 'right', 'left']);
  return `${table}\n\n${values}`;
}
