/**
 * Which device settings changed during a run, and when. A run file holds each device's settings
 * as they were at run start (`/entry/instrument/<device>/<setting>`, read before the script's
 * first command). A descriptor carries the configuration of its stream's devices when it was
 * made, and the engine makes a new one when a device's configuration changes (Bluesky's event
 * model); so comparing each descriptor's configuration with the values known so far finds every
 * change a stream saw. The tracker turns those into rows of a per-setting log (NXlog): the first
 * time a setting changes, its log starts with the value known before (at run start, or as first
 * read), then each new value with the time it was read.
 */
import type { InstrumentSettings } from './instrument.js';

/** A setting value as documents carry it. */
export type SettingValue = number | string | boolean;

/** A device's configuration from a descriptor: values and read times by `<device>_<setting>`, units by the same key. */
export interface ConfigurationInfo {
  data: Record<string, SettingValue>;
  /** When each value was read, seconds since the Unix epoch. */
  timestamps: Record<string, number>;
  dataKeys: Record<string, { dtype: string; units: string }>;
}

/** One value of a setting and when it held (seconds since the Unix epoch). */
export interface SettingRow {
  timeS: number;
  value: SettingValue;
}

/** Rows to append to one setting's log. */
export interface SettingLog {
  device: string;
  setting: string;
  units: string;
  /** `number`, `integer`, `string` or `boolean`. */
  type: string;
  rows: SettingRow[];
}

interface Known {
  value: SettingValue;
  timeS: number;
  units: string;
  type: string;
  /** The log has rows in the file (or queued): later changes append only themselves. */
  logged: boolean;
}

/** Follows the settings of a run's devices from run start through each descriptor's configuration. */
export class SettingsTracker {
  private readonly known = new Map<string, Known>();

  /** Starts from the settings read at run start (`startTimeS`, seconds since the epoch). */
  constructor(instrument: readonly InstrumentSettings[], startTimeS: number) {
    for (const device of instrument) {
      for (const s of device.settings) this.known.set(key(device.device, s.name), { value: s.value, timeS: startTimeS, units: s.units, type: s.type, logged: false });
    }
  }

  /**
   * Compares a descriptor's configuration (by device) with the values known; returns the rows
   * to log for each setting that changed (its earlier value first, the first time it changes).
   */
  update(configuration: Record<string, ConfigurationInfo>, descriptorTimeS: number): SettingLog[] {
    const logs: SettingLog[] = [];
    for (const [device, config] of Object.entries(configuration)) {
      for (const [name, value] of Object.entries(config.data ?? {})) {
        const setting = name.startsWith(`${device}_`) ? name.slice(device.length + 1) : name;
        const timeS = config.timestamps?.[name] ?? descriptorTimeS;
        const dataKey = config.dataKeys?.[name];
        const k = key(device, setting);
        const before = this.known.get(k);
        if (before === undefined) {
          this.known.set(k, { value, timeS, units: dataKey?.units ?? '', type: typeOf(value, dataKey?.dtype), logged: false });
          continue;
        }
        if (same(before.value, value)) continue;
        const rows = before.logged ? [] : [{ timeS: before.timeS, value: before.value }];
        rows.push({ timeS, value });
        logs.push({ device, setting, units: before.units || (dataKey?.units ?? ''), type: before.type, rows });
        this.known.set(k, { ...before, value, timeS, logged: true });
      }
    }
    return logs;
  }
}

function key(device: string, setting: string): string {
  return `${device}\u0000${setting}`;
}

function same(a: SettingValue, b: SettingValue): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

function typeOf(value: SettingValue, dtype: string | undefined): string {
  if (typeof value === 'string' || dtype === 'string') return 'string';
  if (typeof value === 'boolean' || dtype === 'bool') return 'boolean';
  return dtype !== undefined && /^u?int/.test(dtype) ? 'integer' : 'number';
}
