/**
 * What the writer (run-writer.ts) keeps of each run it writes: its file and how far it got, its
 * end once it stopped, its storage problem, and what its descriptors said (plot hints, settings
 * as known so far, setting changes not in the file yet).
 */
import type { DescriptorInfo } from './protocol.js';
import type { RunFile, RunFileEnd, RunFileStart } from './run-file.js';
import { type SettingLog, SettingsTracker } from './settings-tracker.js';

/** One run the writer writes. */
export interface RunEntry {
  uid: string;
  /** The run's file. */
  path: string;
  start: RunFileStart;
  /** The file while it is open (undefined before, after, and while the disk refuses it). */
  file: RunFile | undefined;
  /** Events found missing (seq_num gaps) so far. */
  gaps: number;
  /** How the run ended, once its stop came. */
  end: Omit<RunFileEnd, 'eventsLost'> | undefined;
  /** The step in which the stop arrived: the run finishes once a later step has caught up. */
  stopStep: number;
  /** The run's storage problem ('' when none). */
  error: string;
  /** When to try the file again after a problem (monotonic s). */
  retryAtS: number;
  /** When the file was last flushed (monotonic s). */
  lastFlushS: number;
  /** Rows written since that flush. */
  dirty: boolean;
  /** Each stream's descriptor hints (given to every RunFile opened for the run). */
  hints: Map<string, DescriptorInfo['hints']>;
  /** The devices' settings as known so far, to find what each descriptor changed. */
  settings: SettingsTracker;
  /** Setting changes not in the file yet. */
  pendingLogs: SettingLog[];
  /** Failed attempts in a row (reset by a success). */
  failures: number;
  /** The writer gave up on this run (a failure of its own, not of the disk): its rows are skipped. */
  abandoned: boolean;
}

/** A run's entry as its start arrives (`nowS`: the writer's monotonic time, s). */
export function newRunEntry(uid: string, path: string, start: RunFileStart, nowS: number): RunEntry {
  return {
    uid,
    path,
    start,
    file: undefined,
    gaps: 0,
    end: undefined,
    stopStep: Infinity,
    error: '',
    retryAtS: 0,
    lastFlushS: nowS,
    dirty: false,
    hints: new Map(),
    settings: new SettingsTracker(start.instrument, start.startTimeS),
    pendingLogs: [],
    failures: 0,
    abandoned: false,
  };
}
