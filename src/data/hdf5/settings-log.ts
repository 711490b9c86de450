/**
 * The logs of settings that changed during a run, in the run file: for each such setting an
 * NXlog group `/entry/instrument/<device>/<setting>_log` beside the setting's start value, with
 *
 *   time    float64 (N,): when each value was read, s after the run start (attrs units = "s",
 *           start = the run's start time, ISO 8601)
 *   value   (N,): the values, float64 for numbers, uint8 for booleans, fixed-width strings;
 *           attr units (the setting's, "" for none)
 *
 * and the start value's dataset gets `changed_during_run = 1` and `log = "<setting>_log"`.
 * Creating the groups needs the file out of SWMR mode; appending to them works in SWMR mode.
 */
import { cutUtf8 } from './fields.js';
import { datasetAt, type Group, groupAt, type H5File, setAttrs } from './h5.js';
import { isoTime, safeName } from './entry.js';
import type { SettingLog } from './settings-tracker.js';
import { addressOf, type ObjectAddress } from './string-type.js';

/** Width of string values in a log, bytes (longer ones are cut). */
export const LOG_STRING_BYTES = 256;

/** The path of a setting's log group. */
export function logPath(device: string, setting: string): string {
  return `entry/instrument/${safeName(device)}/${safeName(setting)}_log`;
}

/** Whether `file` has the log group of each of `logs` (then {@link appendSettingLogs} can run in SWMR mode). */
export function haveSettingLogs(file: H5File, logs: readonly SettingLog[]): boolean {
  return logs.every((log) => groupAt(file, logPath(log.device, log.setting)) !== undefined);
}

/**
 * Creates the log groups of `logs` that `file` lacks (out of SWMR mode); returns the addresses
 * of the string datasets it created, to be null-terminated once the file is closed.
 */
export function createSettingLogs(file: H5File, logs: readonly SettingLog[], startTimeS: number): ObjectAddress[] {
  const strings: ObjectAddress[] = [];
  const instrument = groupAt(file, 'entry/instrument') ?? file.create_group('entry/instrument');
  for (const log of logs) {
    const path = logPath(log.device, log.setting);
    if (groupAt(file, path) !== undefined) continue;
    let device = groupAt(file, `entry/instrument/${safeName(log.device)}`);
    if (device === undefined) {
      device = instrument.create_group(safeName(log.device));
      setAttrs(device, { NX_class: 'NXcollection' });
    }
    const group = device.create_group(`${safeName(log.setting)}_log`);
    setAttrs(group, { NX_class: 'NXlog', description: `${log.device} ${log.setting}: every value it had during the run and when it was read` });
    const time = group.create_dataset({ name: 'time', data: new Float64Array(0), shape: [0], maxshape: [null], chunks: [64], dtype: '<d' });
    setAttrs(time, { units: 's', start: isoTime(startTimeS) });
    const value = createValues(group, log.type);
    setAttrs(value, log.type === 'string' ? {} : { units: log.units });
    if (log.type === 'string') strings.push(addressOf(value.create_reference().ref_data));
    const start = datasetAt(file, `entry/instrument/${safeName(log.device)}/${safeName(log.setting)}`);
    if (start !== undefined) setAttrs(start, { changed_during_run: 1, log: `${safeName(log.setting)}_log` });
  }
  return strings;
}

function createValues(group: Group, type: string) {
  if (type === 'string') return group.create_dataset({ name: 'value', data: [], shape: [0], maxshape: [null], chunks: [64], dtype: `S${LOG_STRING_BYTES}` });
  if (type === 'boolean') return group.create_dataset({ name: 'value', data: new Uint8Array(0), shape: [0], maxshape: [null], chunks: [64], dtype: '<B' });
  return group.create_dataset({ name: 'value', data: new Float64Array(0), shape: [0], maxshape: [null], chunks: [64], dtype: '<d' });
}

/** Appends the rows of `logs` to their (existing) log groups; `startTimeS` is the run's start. */
export function appendSettingLogs(file: H5File, logs: readonly SettingLog[], startTimeS: number): void {
  for (const log of logs) {
    const path = logPath(log.device, log.setting);
    const time = datasetAt(file, `${path}/time`);
    const value = datasetAt(file, `${path}/value`);
    if (time === undefined || value === undefined) throw new Error(`${path} is missing its time or value`);
    const n = value.shape?.[0] ?? 0; // value is written last: its length counts complete rows
    const k = log.rows.length;
    time.resize([n + k]);
    time.write_slice([[n, n + k]], Float64Array.from(log.rows, (r) => r.timeS - startTimeS));
    value.resize([n + k]);
    value.write_slice([[n, n + k]], valuesOf(log));
  }
}

function valuesOf(log: SettingLog): Float64Array | Uint8Array | string[] {
  if (log.type === 'string') return log.rows.map((r) => cutUtf8(String(r.value), LOG_STRING_BYTES - 1));
  if (log.type === 'boolean') return Uint8Array.from(log.rows, (r) => (r.value === true ? 1 : 0));
  return Float64Array.from(log.rows, (r) => Number(r.value));
}
