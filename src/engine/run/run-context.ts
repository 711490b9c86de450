/**
 * What a script's host functions may do to the run they serve: record, log, report progress,
 * wait at checkpoints (pause and abort), and note which devices the run touched (those are put
 * in their safe state if the run is aborted or fails).
 */
import type { Clock } from '../../core/index.js';
import type { Lab } from '../../devices/index.js';
import type { DeviceConfigurations } from './configuration.js';
import type { RunRecorder } from './recorder.js';
import type { RunSuspenders } from './suspenders.js';

/** Severity of a run's log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line of a run's log. */
export interface LogEntry {
  runUid: string;
  timeS: number;
  level: LogLevel;
  message: string;
}

/** The run as host functions see it. */
export interface RunContext {
  readonly lab: Lab;
  readonly clock: Clock;
  readonly recorder: RunRecorder;
  /** The configuration of the run's devices, read when a stream first records from one and after its setters. */
  readonly configurations: DeviceConfigurations;
  /** The run's suspenders: conditions that hold it (`suspendWhen`), and which plan points to take again. */
  readonly suspenders: RunSuspenders;
  /** Aborts when the run is aborted. */
  readonly signal: AbortSignal;
  /** Waits while the run is paused; throws `cancelled` once the run is aborted. */
  checkpoint(): Promise<void>;
  /**
   * Whether {@link checkpoint} would resolve at once (the run is not paused, suspended nor
   * aborted, and no turn of the event loop is due): a host call may then skip awaiting it.
   * Without it every call awaits the checkpoint.
   */
  checkpointPasses?(): boolean;
  log(level: LogLevel, message: string): void;
  progress(done: number, total: number): void;
  /** Notes that the run used `device` (by name). */
  touch(device: string): void;
}
