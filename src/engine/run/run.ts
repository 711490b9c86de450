/**
 * One run of an experiment script: its request, its state (queued, running, paused, suspended,
 * finished), pause and resume (the script blocks at its next device call), suspensions (a held
 * condition of a suspender holds the run the same way until it clears), abort, progress, and how
 * it ended. The run engine drives it; clients only read it and ask it to pause, resume or abort.
 */
import { randomUUID } from 'node:crypto';
import { DaqError } from '../../core/index.js';
import type { ScriptLimits } from '../../scripting/index.js';
import type { ExitStatus, ParamValue, RunStop } from './documents.js';

/** What {@link Run.checkpoint} answers when nothing holds the run. */
const SETTLED: Promise<void> = Promise.resolve();

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

/**
 * Where a run is in its life. `paused`: held by a user until resumed; `suspended`: held by a
 * suspender's condition until it has been clear for its settle time (then it goes on by itself).
 */
export type RunState = 'queued' | 'running' | 'paused' | 'suspended' | 'finished';

/** A run as clients see it. */
export interface RunSummary {
  uid: string;
  scriptName: string;
  state: RunState;
  /** Points done and total, as last reported by the script or plan. */
  progress?: { done: number; total: number };
  exitStatus?: ExitStatus;
  reason?: string;
  /** Why the run is suspended (the conditions that hold, or cleared and settling), while it is. */
  suspendedReason?: string;
  numEvents: Record<string, number>;
  queuedAtS: number;
  startTimeS?: number;
  endTimeS?: number;
}

/** A run's mutable state, owned by the run engine. */
export class Run {
  readonly uid: string;
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
  /** Suspensions in force, by suspender: why each holds the run. */
  private readonly suspensions = new Map<string, string>();
  private suspendGate: { promise: Promise<void>; release: () => void } | undefined;
  private suspensionsBegun = 0;
  private readonly finished: Promise<RunStop>;
  private resolveFinished: (stop: RunStop) => void = () => undefined;

  constructor(
    readonly request: RunRequest,
    readonly queuedAtS: number,
    uid: string = randomUUID(),
  ) {
    this.uid = uid;
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

  /** Holds the run at its next device call (a suspended run too: it then stays held until resumed). */
  pause(): void {
    if (this.state !== 'running' && this.state !== 'suspended') {
      throw new DaqError('failed_precondition', `run ${this.uid} is ${this.state}; only a running or suspended run can be paused`);
    }
    this.pauseGate = gate();
    this.state = 'paused';
  }

  /** Lets a paused run go on (if a suspender still holds it, it stays suspended until that clears). */
  resume(): void {
    if (this.state === 'suspended') {
      throw new DaqError('failed_precondition', `run ${this.uid} is suspended (${this.suspendedReason ?? ''}); it goes on by itself once that clears, or abort it`);
    }
    if (this.state !== 'paused') throw new DaqError('failed_precondition', `run ${this.uid} is ${this.state}; only a paused run can be resumed`);
    this.state = this.suspensions.size > 0 ? 'suspended' : 'running';
    this.pauseGate?.release();
    this.pauseGate = undefined;
  }

  /**
   * Holds the run for suspender `key` because of `reason` (a new reason replaces the old one).
   * Returns true when this began a suspension (the run was not suspended by `key`).
   */
  suspend(key: string, reason: string): boolean {
    if (this.state === 'finished' || this.state === 'queued') return false;
    const began = !this.suspensions.has(key);
    this.suspensions.set(key, reason);
    if (began) this.suspensionsBegun++;
    this.suspendGate ??= gate();
    if (this.state === 'running') this.state = 'suspended';
    return began;
  }

  /** Ends suspender `key`'s hold; the run goes on when no other suspender (nor a user's pause) holds it. */
  unsuspend(key: string): void {
    if (!this.suspensions.delete(key) || this.suspensions.size > 0) return;
    this.suspendGate?.release();
    this.suspendGate = undefined;
    if (this.state === 'suspended') this.state = 'running';
  }

  /** Whether suspender `key` holds the run. */
  holdsFor(key: string): boolean {
    return this.suspensions.has(key);
  }

  /** Why the run is suspended (every holding suspender's reason), or undefined when it is not. */
  get suspendedReason(): string | undefined {
    return this.suspensions.size === 0 ? undefined : [...this.suspensions.values()].join('; ');
  }

  /**
   * How many suspensions have begun so far: a step whose count changed between its start and
   * its end was interrupted by one, and is taken again.
   */
  get suspensionCount(): number {
    return this.suspensionsBegun;
  }

  /** Aborts the run (a paused or suspended run too); a no-op once aborted or finished. */
  abort(reason = 'aborted on request'): void {
    if (this.state === 'finished' || this.aborter.signal.aborted) return;
    this.aborter.abort(new DaqError('aborted', reason));
    this.pauseGate?.release();
    this.suspendGate?.release();
  }

  /** Waits while paused; throws once aborted. */
  /** Whether {@link checkpoint} would pass at once: not paused, suspended nor aborted. */
  get passesCheckpoint(): boolean {
    return this.pauseGate === undefined && this.suspendGate === undefined && !this.signal.aborted;
  }

  checkpoint(): Promise<void> {
    // Not paused, not aborted (every point of a running plan): a settled promise, made once.
    if (this.passesCheckpoint) return SETTLED;
    return this.waitAtCheckpoint();
  }

  private async waitAtCheckpoint(): Promise<void> {
    for (;;) {
      const held = this.pauseGate ?? this.suspendGate;
      if (held === undefined || this.signal.aborted) break;
      await held.promise;
    }
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
      ...(this.suspensions.size === 0 || this.state === 'finished' ? {} : { suspendedReason: this.suspendedReason as string }),
      ...(this.stop === undefined ? {} : { exitStatus: this.stop.exitStatus, reason: this.stop.reason, endTimeS: this.stop.timeS }),
    };
  }
}

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}
