/**
 * The run's `/entry` as a run file starts and ends (see run-file.ts for the whole layout): the root's
 * NeXus attributes (`default` = "entry", creator, file name and time), the NXentry with its
 * attributes (uid, times, exit status "running", script, lab, plan, params and metadata as JSON)
 * and NeXus fields (`title`, `entry_identifier`, `start_time`, `program_name`), the script's
 * source, the parameters and metadata, and `/entry/instrument/<device>/` with each device's
 * settings at run start (one scalar dataset per setting; numbers with their units). At the end:
 * the exit status, reason, events, and the `end_time` field.
 */
import { basename } from 'node:path';
import { groupAt, type H5File, setAttrs } from './h5.js';
import { DaqError } from '../../core/index.js';
import type { InstrumentSettings } from './instrument.js';

/** What the run's start document says of its plan (all optional: a script has none). */
export interface RunPlan {
  /** The plan (`lineScan`, ...) or the script's name. */
  name?: string;
  /** `plan` or `script`. */
  type?: string;
  /** Devices the plan moves, outer first. */
  motors?: string[];
  /** Devices the plan reads. */
  detectors?: string[];
  /** The start's `hints.dimensions`: [x-axis fields, stream] pairs. */
  dimensions?: [string[], string][];
  /** The lab's movable devices (the axes of a script's plot when the plan names no motors). */
  movables?: string[];
}

/** What a run file starts with. */
export interface RunFileStart {
  uid: string;
  scriptName: string;
  scriptSource: string;
  scriptSha256: string;
  params: Record<string, string | number | boolean>;
  metadata: Record<string, string | number | boolean>;
  lab: string;
  /** Seconds since the Unix epoch. */
  startTimeS: number;
  instrument: InstrumentSettings[];
  /** Bluesky's `scan_id` of the run (catalogs written before it was stored lack it). */
  scanId?: number;
  /** What the start document says of the run's plan (for the default plot of each stream). */
  plan?: RunPlan;
}

/** How a run file ends. */
export interface RunFileEnd {
  /** Seconds since the Unix epoch. */
  endTimeS: number;
  exitStatus: string;
  reason: string;
  /** Events the run recorded, per stream (the file may hold fewer: see eventsLost). */
  numEvents: Record<string, number>;
  /** Events recorded but not in the file (overwritten in the ring before they were written). */
  eventsLost: number;
}

/** What wrote the file (the root's `creator` and `/entry/program_name`). */
export const PROGRAM = 'ts-daq';

/** A name fit for an HDF5 link ('/' is the path separator). */
export function safeName(name: string): string {
  return name.replace(/\//g, '_') || '_';
}

/** ISO 8601 UTC time with microseconds (`2026-11-30T13:45:02.123456Z`) of `seconds` since the Unix epoch. */
export function isoTime(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  const millis = Math.floor(micros / 1000);
  return new Date(millis).toISOString().replace('Z', `${String(micros - millis * 1000).padStart(3, '0')}Z`);
}

/** Writes the start of `/entry` (and the root's attributes) into the new file at `path`. */
export function writeStart(file: H5File, path: string, start: RunFileStart): void {
  const plan = start.plan ?? {};
  setAttrs(file, { NX_class: 'NXroot', default: 'entry', creator: PROGRAM, file_name: basename(path), file_time: isoTime(start.startTimeS) });
  const entry = file.create_group('entry');
  setAttrs(file.create_group('entry/data'), { NX_class: 'NXcollection', description: 'one NXdata group per stream, one row per event' });
  setAttrs(entry, {
    NX_class: 'NXentry',
    uid: start.uid,
    start_time: isoTime(start.startTimeS),
    start_time_s: start.startTimeS,
    end_time: '',
    exit_status: 'running',
    reason: '',
    script_name: start.scriptName,
    script_sha256: start.scriptSha256,
    lab: start.lab,
    params: JSON.stringify(start.params),
    metadata: JSON.stringify(start.metadata),
    events_lost: 0,
    ...(plan.name === undefined ? {} : { plan_name: plan.name }),
    ...(plan.type === undefined ? {} : { plan_type: plan.type }),
    ...(start.scanId === undefined ? {} : { scan_id: start.scanId }),
  });
  entry.create_dataset({ name: 'title', data: plan.type === 'plan' && plan.name !== undefined ? `${plan.name} (${start.scriptName})` : start.scriptName });
  entry.create_dataset({ name: 'entry_identifier', data: start.uid });
  entry.create_dataset({ name: 'start_time', data: isoTime(start.startTimeS) });
  entry.create_dataset({ name: 'program_name', data: PROGRAM });
  entry.create_dataset({ name: 'script', data: start.scriptSource });
  setAttrs(entry.create_group('parameters'), { NX_class: 'NXparameters', ...start.params });
  setAttrs(entry.create_group('metadata'), { NX_class: 'NXcollection', ...start.metadata });
  writeInstrument(file, start);
}

function writeInstrument(file: H5File, start: RunFileStart): void {
  const instrument = file.create_group('entry/instrument');
  setAttrs(instrument, {
    NX_class: 'NXinstrument',
    name: start.lab,
    description: "each device's settings when the run started (read before the script's first command); a setting that changed during the run has a <setting>_log (NXlog) with every value and when it was read",
  });
  for (const device of start.instrument) {
    const group = instrument.create_group(safeName(device.device));
    setAttrs(group, { NX_class: 'NXcollection', driver: device.driver, state: device.state, ...(device.unreadable.length > 0 ? { unreadable: JSON.stringify(device.unreadable) } : {}) });
    for (const setting of device.settings) {
      const value = typeof setting.value === 'boolean' ? Number(setting.value) : setting.value;
      const dtype = setting.type === 'number' ? '<d' : setting.type === 'boolean' ? '<B' : undefined; // JS numbers would be guessed as int32
      const dataset = group.create_dataset({ name: safeName(setting.name), data: value, ...(dtype === undefined ? {} : { dtype }) });
      const numeric = typeof setting.value !== 'string';
      setAttrs(dataset, { ...(numeric ? { units: setting.units } : {}), ...(setting.description === '' ? {} : { description: setting.description }), recorded_at: 'run start' });
    }
  }
}

/** Writes how the run ended into `/entry` of the file at `path` (out of SWMR mode). */
export function writeEnd(file: H5File, path: string, end: RunFileEnd): void {
  const entry = groupAt(file, 'entry');
  if (entry === undefined) throw new DaqError('internal', `${path} has no /entry`);
  setAttrs(entry, {
    end_time: isoTime(end.endTimeS),
    end_time_s: end.endTimeS,
    exit_status: end.exitStatus,
    reason: end.reason,
    num_events: JSON.stringify(end.numEvents),
    events_lost: end.eventsLost,
  });
  if (!entry.keys().includes('end_time')) entry.create_dataset({ name: 'end_time', data: isoTime(end.endTimeS) });
}
