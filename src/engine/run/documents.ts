/**
 * Run documents, after Bluesky's event model: every run emits a start document, one descriptor
 * per stream (what its fields are), one event per recorded row, and a stop document. Live
 * clients, the ring buffer and the HDF5 writer all consume this one sequence.
 * All times are seconds since the Unix epoch.
 */
import type { Dtype, Frame } from '../../capabilities/index.js';

/** How a run ended. */
export type ExitStatus = 'success' | 'abort' | 'fail';

/** Opens a run. */
export interface RunStart {
  kind: 'start';
  uid: string;
  timeS: number;
  /** Script file name as given (`scan.js`). */
  scriptName: string;
  /** The script's source, stored with the run. */
  scriptSource: string;
  /** SHA-256 of the source, hex. */
  scriptSha256: string;
  /** Parameters given to the run (`params` in the script). */
  params: Record<string, ParamValue>;
  /** Free-form metadata given by the user (sample, operator, ...). */
  metadata: Record<string, ParamValue>;
  /** Name of the lab the run ran in. */
  lab: string;
  /**
   * Bluesky's `scan_id`: 1, 2, 3, ... per data directory (per process when runs are not saved).
   * Filled by the run engine from its `nextScanId` option.
   */
  scanId?: number;
  /** The plan the run is (`lineScan`, ...), when known before it starts; else the script's name. */
  planName?: string;
  /** Bluesky's `plan_type`: `plan` for a run that is one plan, `script` otherwise. */
  planType?: string;
  /** Bluesky's start hints: `dimensions` = [[motor fields], stream] pairs a live plot uses as x axes. */
  hints?: { dimensions?: [string[], string][] };
  /** Devices moved by the run's plan (Bluesky's `motors`), when known. */
  motors?: string[];
  /** Devices read by the run's plan (Bluesky's `detectors`), when known. */
  detectors?: string[];
}

/** A run parameter or metadata value. */
export type ParamValue = string | number | boolean;

/** One field of a stream. */
export interface DataKey {
  dtype: Dtype;
  /** `[]` for scalars, `[n]` for arrays, `[height, width]` for frames. */
  shape: number[];
  units: string;
  /** The device the value came from, or `script` for values the script computed. */
  source: string;
}

/**
 * A device's configuration as a descriptor carries it (Bluesky's `configuration[device]`): its
 * settings' values (keys `<device>_<setting>`), when each was read, and their data keys.
 */
export interface DeviceConfiguration {
  data: Record<string, ParamValue>;
  timestamps: Record<string, number>;
  dataKeys: Record<string, DataKey>;
}

/** Describes a stream, before its first event. */
export interface EventDescriptor {
  kind: 'descriptor';
  uid: string;
  runStart: string;
  /** The stream's name (`primary`, `scan`, `images`). */
  name: string;
  timeS: number;
  dataKeys: Record<string, DataKey>;
  /**
   * Each source device's configuration when this descriptor was made. A stream gets a new
   * descriptor (same name and data keys, new uid) when a device's configuration changes; its
   * events then point to the new one, and seq_num goes on counting per stream.
   */
  configuration?: Record<string, DeviceConfiguration>;
  /** Bluesky's `object_keys`: the data keys of each device (`script` for computed values). */
  objectKeys?: Record<string, string[]>;
  /** Bluesky's descriptor hints: the fields worth plotting, per device (`{power_meter: {fields: [...]}}`). */
  hints?: Record<string, { fields: string[] }>;
}

/** A recorded value: a number, a string, a boolean, an array of numbers, or a frame. */
export type EventValue = number | string | boolean | readonly number[] | Frame;

/** One row of a stream. */
export interface RunEvent {
  kind: 'event';
  uid: string;
  descriptor: string;
  /** The stream's name (repeated from the descriptor for consumers' convenience). */
  stream: string;
  /** 1-based index of the event in its stream. */
  seqNum: number;
  timeS: number;
  data: Record<string, EventValue>;
  /** When each value was measured. */
  timestamps: Record<string, number>;
}

/** Closes a run. */
export interface RunStop {
  kind: 'stop';
  uid: string;
  runStart: string;
  timeS: number;
  exitStatus: ExitStatus;
  /** Why the run ended when not successful (the error, with the script's stack trace). */
  reason: string;
  /** Events recorded per stream. */
  numEvents: Record<string, number>;
}

/** Any run document. */
export type RunDocument = RunStart | EventDescriptor | RunEvent | RunStop;
