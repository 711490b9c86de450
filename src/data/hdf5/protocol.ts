/**
 * Messages between the daemon's thread (run-storage.ts) and the writer worker (writer-worker.ts).
 * Main to worker go through a MessagePort the worker drains synchronously at each step (so a run
 * announced before its first record reached the ring is always known when that record is read).
 */
import type { RunFileEnd, RunFileStart } from './run-file.js';
import type { ConfigurationInfo } from './settings-tracker.js';

/** What the writer needs of a descriptor: the stream's plot hints and its devices' configuration. */
export interface DescriptorInfo {
  uid: string;
  stream: string;
  /** When the descriptor was made, seconds since the Unix epoch. */
  timeS: number;
  /** Bluesky's descriptor hints: the fields worth plotting, per device. */
  hints: Record<string, { fields: string[] }>;
  /** Each source device's configuration when the descriptor was made. */
  configuration: Record<string, ConfigurationInfo>;
}

/** A run the worker should finish from what a dead daemon left (recovery). */
export interface RecoverRun {
  uid: string;
  path: string;
  /** The start, to recreate the file if it is missing or beyond repair. */
  start: RunFileStart;
  /** How the run ended, when the daemon saw it end; undefined: it died during the run. */
  end?: Omit<RunFileEnd, 'eventsLost'>;
}

/** Main thread to worker. */
export type ToWorker =
  /** A run is starting: hold its records until its `start` comes. */
  | { type: 'announce'; uid: string }
  /** A run's file: create it. */
  | { type: 'start'; uid: string; path: string; start: RunFileStart }
  /** A stream's (new) descriptor: its plot hints, and settings that changed go in the file. */
  | ({ type: 'descriptor' } & DescriptorInfo)
  /** A run ended: write the rest of its records, then finish its file. */
  | { type: 'stop'; uid: string; end: Omit<RunFileEnd, 'eventsLost'> }
  /** Follow this ring from its oldest record. */
  | { type: 'follow'; ringPath: string }
  /** Finish runs left by a dead daemon from the ring at `ringPath` (may not exist). */
  | { type: 'recover'; ringPath: string; runs: RecoverRun[] }
  /** Write what the ring holds, finish stopped runs, close every file, and exit. */
  | { type: 'close' };

/** What the worker reports of a run. */
export interface RunProgress {
  uid: string;
  path: string;
  /** Rows in the file per stream. */
  rows: Record<string, number>;
  eventsLost: number;
  sizeBytes: number;
  /** True once the file has its end written and is closed. */
  finished: boolean;
  /** The run's current storage problem ('' when none). */
  error: string;
}

/** Worker to main thread. */
export type FromWorker =
  | { type: 'progress'; run: RunProgress }
  | { type: 'finished'; run: RunProgress; end: RunFileEnd }
  | { type: 'recovered'; runs: { run: RunProgress; end: RunFileEnd }[] }
  /** The storage problem now ('' when the writer is healthy again). */
  | { type: 'health'; error: string }
  | { type: 'closed' };
