/**
 * The run's `/entry` as a run file starts: NXentry attributes (uid, times, exit status
 * "running", script, lab, params and metadata as JSON), the script's source, the parameters and
 * metadata as attributes, and `/entry/instrument/<device>/` with each device's settings at run
 * start (one scalar dataset per setting, with its units). See run-file.ts for the whole layout.
 */
import type { H5File } from './h5.js';
import { setAttrs } from './h5.js';
import type { InstrumentSettings } from './instrument.js';

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
}

/** A name fit for an HDF5 link ('/' is the path separator). */
export function safeName(name: string): string {
  return name.replace(/\//g, '_') || '_';
}

/** Writes the start of `/entry` into a new file. */
export function writeStart(file: H5File, start: RunFileStart): void {
  const entry = file.create_group('entry');
  setAttrs(file.create_group('entry/data'), { NX_class: 'NXcollection' });
  setAttrs(entry, {
    NX_class: 'NXentry',
    uid: start.uid,
    start_time: new Date(start.startTimeS * 1000).toISOString(),
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
  });
  entry.create_dataset({ name: 'script', data: start.scriptSource });
  setAttrs(entry.create_group('parameters'), start.params);
  setAttrs(entry.create_group('metadata'), start.metadata);
  const instrument = entry.create_group('instrument');
  setAttrs(instrument, { NX_class: 'NXinstrument', name: start.lab });
  for (const device of start.instrument) {
    const group = instrument.create_group(safeName(device.device));
    setAttrs(group, { NX_class: 'NXcollection', driver: device.driver, state: device.state, ...(device.unreadable.length > 0 ? { unreadable: JSON.stringify(device.unreadable) } : {}) });
    for (const setting of device.settings) {
      const value = typeof setting.value === 'boolean' ? Number(setting.value) : setting.value;
      const dtype = setting.type === 'number' ? '<d' : setting.type === 'boolean' ? '<B' : undefined; // JS numbers would be guessed as int32
      const dataset = group.create_dataset({ name: safeName(setting.name), data: value, ...(dtype === undefined ? {} : { dtype }) });
      setAttrs(dataset, { ...(setting.units === '' ? {} : { units: setting.units }), ...(setting.description === '' ? {} : { description: setting.description }) });
    }
  }
}
