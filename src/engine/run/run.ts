/**
 * One run of an experiment script: its request, its state (queued, running, paused, finished),
 * pause and resume (the script blocks at its next device call), abort, progress, and how it
 * ended. The run engine drives it; clients only read it and ask it to pause, resume or abort.
 */
import { randomUUID } from 'node:crypto';
import { DaqError } from '../../core/index.js';
import type { ScriptLimits } from '../../scripting/index.js';
import type { ExitStatus, ParamValue, RunStop } from './documents.js';

/** What to run. */
export interface RunRequest {
  /** File name of the script (`scan.js`, `scan.ts`): TypeScript when it ends in `.ts`. */
  scriptName: string;
  source: string;
  params?: Record<string, ParamValue>;
  metadata?: Record<string, ParamValue>;
  limits?: Partial<ScriptLimits>;
  /**
   * Work done after the start document and before the script's first line (applying a preset,
   * run-preset.ts). If it fails the run fails (aborted: the run aborts) and the script never runs.
   */
  prepare?: (step: PrepareStep) => Promise<void>;
}

/** What a run's {@link RunRequest.prepare} gets. */
export interface PrepareStep {
  /** Aborts when the run is aborted. */
  signal: AbortSignal;
  /** A line in the run's log. */
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /** Marks a device as used by the run: it goes to its safe state if the run fails or is aborted. */
  touch(device: string): void;
}

/** Where a run is in its life. */
export type RunState = 'queued' | 'running' | 'paused' | 'finished';

/** A run as clients see it. */
export interface RunSummary {
  uid: string;
  scriptName: string;
  state: RunState;
  /** Points done and total, as last reported by the script or plan. */
  progress?: { done: number; total: number };
  exitStatus?: ExitStatus;
  reason?: string;
  numEvents: Record<string, number>;
  queuedAtS: number;
  startTimeS?: number;
  endTimeS?: number;
}

/** A run's mutable state, owned by the run engine. */
export class Run {
  readonly uid = randomUUID();
  state: RunState = 'queued';
  progress: { done: number; total: number } | undefined;
  startTimeS: number | undefined;
  stop: RunStop | undefined;
  /** Where the running run's event counts are read (its recorder), set when it starts. */
  countEvents: (() => Record<string, number>) | undefined;
  /** Devices the run used, by name: these go to their safe state if it fails or is aborted. */
  readonly touched = new Set<string>();
  private readonly aborter = new AbortController();
  private pauseGate: { promise: Promise<void>; release: () => void } | undefined;
  private readonly finished: Promise<RunStop>;
  private resolveFinished: (stop: RunStop) => void = () => undefined;

  constructor(
    readonly request: RunRequest,
    readonly queuedAtS: number,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Aborts when the run is aborted. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** Resolves with the stop document when the run has ended. */
  get done(): Promise<RunStop> {
    return this.finished;
  }

  /** Holds the run at its next device call. */
  pause(): void {
    if (this.state !== 'running') throw new DaqError('failed_precondition', `run ${this.uid} is ${this.state}; only a running run can be paused`);
    let release: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.pauseGate = { promise, release };
    this.state = 'paused';
  }

  /** Lets a paused run go on. */
  resume(): void {
    if (this.state !== 'paused') throw new DaqError('failed_precondition', `run ${this.uid} is ${this.state}; only a paused run can be resumed`);
    this.state = 'running';
    this.pauseGate?.release();
    this.pauseGate = undefined;
  }

  /** Aborts the run (a paused run too); a no-op once aborted or finished. */
  abort(reason = 'aborted on request'): void {
    if (this.state === 'finished' || this.aborter.signal.aborted) return;
    this.aborter.abort(new DaqError('aborted', reason));
    this.pauseGate?.release();
  }

  /** Waits while paused; throws once aborted. */
  async checkpoint(): Promise<void> {
    while (this.pauseGate !== undefined && !this.signal.aborted) await this.pauseGate.promise;
    if (this.signal.aborted) throw DaqError.from(this.signal.reason, { code: 'aborted' });
  }

  /** Marks the run finished with its stop document. */
  finish(stop: RunStop): void {
    this.state = 'finished';
    this.stop = stop;
    this.resolveFinished(stop);
  }

  /** Events recorded so far, per stream. */
  get numEvents(): Record<string, number> {
    return this.stop?.numEvents ?? this.countEvents?.() ?? {};
  }

  /** The run as clients see it. */
  summary(): RunSummary {
    return {
      uid: this.uid,
      scriptName: this.request.scriptName,
      state: this.state,
      numEvents: this.numEvents,
      queuedAtS: this.queuedAtS,
      ...(this.progress === undefined ? {} : { progress: this.progress }),
      ...(this.startTimeS === undefined ? {} : { startTimeS: this.startTimeS }),
      ...(this.stop === undefined ? {} : { exitStatus: this.stop.exitStatus, reason: this.stop.reason, endTimeS: this.stop.timeS }),
    };
  }
}
