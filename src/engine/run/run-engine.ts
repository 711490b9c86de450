/**
 * The run engine: a queue of script runs executed one after another against one lab. Each run
 * gets a sandbox with the lab's devices, records documents, can be paused, resumed and aborted,
 * and ends with a stop document whatever happens. When a run is aborted or fails, every
 * `Stoppable` device it used is put in its safe state (motion halted, shutters closed).
 */
import { performance } from 'node:perf_hooks';
import { isMovable, isStoppable } from '../../capabilities/index.js';
import { type Clock, DaqError, Emitter, formatErrorTree, type Unsubscribe } from '../../core/index.js';
import type { Lab } from '../../devices/index.js';
import { type ScriptLimits, startSandboxed, type ScriptOutcome } from '../../scripting/index.js';
import { DeviceConfigurations } from './configuration.js';
import { labGetterUnits, labRecordReads } from './device-getters.js';
import type { ExitStatus, RunDocument } from './documents.js';
import { detectPlan, type PlanInfo } from './plan-detection.js';
import { axisOf } from '../plans/index.js';
import { RunRecorder, scriptStem } from './recorder.js';
import { RECORD_CALL, rewriteRecords } from './record-rewrite.js';
import { Run, type RunRequest, type RunSummary } from './run.js';
import type { LogEntry, LogLevel, RunContext } from './run-context.js';
import { createScriptHost } from './script-host.js';
import { RunSuspenders, SUSPENSIONS_STREAM, type SuspensionChange } from './suspenders.js';

/** A document with the run it belongs to. */
export interface RunDocumentEvent {
  runUid: string;
  document: RunDocument;
}

/** Options of {@link RunEngine}. */
export interface RunEngineOptions {
  /** Limits for runs that do not set their own. */
  defaultLimits?: Partial<ScriptLimits>;
  /** Start processing the queue at once (default true). */
  autoStart?: boolean;
  /**
   * The `scan_id` of the next run (called once per run, as it starts). Give one that counts on
   * from the highest scan_id of the data directory; default: 1, 2, 3, ... per engine.
   */
  nextScanId?: () => number;
  /** Longest wait for one setting when reading a device's configuration, in seconds (default 1). */
  configurationTimeoutS?: number;
  /**
   * At a checkpoint, give the event loop a turn when this many milliseconds have passed since
   * the last one (default: never). A plan whose device calls resolve at once (simulated devices)
   * otherwise runs in one chain of promises: the process serves no client, writes no stream to
   * its followers and finishes no garbage collection until the run ends (the daemon's heap grew
   * by ~150 MB during a 200,000-point lineScan). For a daemon on the system clock; not with a
   * self-advancing VirtualClock, whose time would move while the run waits for its turn.
   */
  yieldEveryMs?: number;
  /**
   * Called with the queued runs, next first, every time the queue changes: a run queued, moved,
   * removed, or taken to start (called before the run starts). The daemon saves its queue with it.
   */
  onQueueChanged?: (queued: readonly Run[]) => void;
  /**
   * Takes the next queued run for this engine before it starts, when the queue is shared with
   * other daemons (the lab queue of a cluster): true when the run is this engine's to start (it
   * then starts, whatever happens next); false when it cannot be taken now (gone, or the shared
   * queue cannot be reached): it stays queued, and nothing starts until {@link RunEngine.wake}.
   * A claim that throws counts as false. Default: every run is taken at once.
   */
  claim?: (run: Run) => Promise<boolean>;
}

/** Runs scripts against `lab`, one at a time, in queue order. */
export class RunEngine {
  private readonly queue: Run[] = [];
  private readonly history: Run[] = [];
  private current: Run | undefined;
  private processing: boolean;
  private readonly documents = new Emitter<RunDocumentEvent>();
  private readonly logs = new Emitter<LogEntry>();
  private readonly changes = new Emitter<RunSummary>();
  private readonly preparers = new Set<(runUid: string) => Promise<void>>();
  private readonly deviceGuards = new Set<(device: string, runUid: string) => void>();
  private scansStarted = 0;
  /** False once the engine shuts down keeping its queue for the next daemon. */
  private queueSaved = true;
  /** The claim of the next run in progress (RunEngineOptions.claim). */
  private claiming: Promise<void> | undefined;

  constructor(
    readonly lab: Lab,
    readonly clock: Clock,
    private readonly options: RunEngineOptions = {},
  ) {
    this.processing = options.autoStart ?? true;
  }

  /**
   * Queues a run; returns it at once. Its `done` resolves with the stop document. `uid` and
   * `queuedAtS`: those of a run queued before (a daemon's saved queue), by default new ones.
   */
  submit(request: RunRequest, again: { uid?: string; queuedAtS?: number } = {}): Run {
    if (typeof request.source !== 'string') throw new DaqError('invalid_argument', 'a run needs the script source');
    const run = new Run(request, again.queuedAtS ?? this.clock.now(), again.uid);
    this.queue.push(run);
    this.queueChanged();
    this.changes.emit(run.summary());
    this.pump();
    return run;
  }

  /** The running (or paused) run. */
  get currentRun(): Run | undefined {
    return this.current;
  }

  /** Queued runs, next first. */
  queued(): Run[] {
    return [...this.queue];
  }

  /** A run by uid (queued, current or finished); `not_found` otherwise. */
  run(uid: string): Run {
    const run = [this.current, ...this.queue, ...this.history].find((r) => r?.uid === uid);
    if (run === undefined) throw new DaqError('not_found', `no run ${uid}`);
    return run;
  }

  /** Finished runs, oldest first. */
  finished(): Run[] {
    return [...this.history];
  }

  /** Removes a queued run: it ends aborted without having started (and stays listed as finished). */
  remove(uid: string): void {
    const index = this.queue.findIndex((r) => r.uid === uid);
    if (index < 0) throw new DaqError('not_found', `run ${uid} is not in the queue`);
    const [run] = this.queue.splice(index, 1);
    this.queueChanged();
    if (run !== undefined) this.drop(run, 'removed from the queue');
  }

  /** Moves a queued run to `index` (0 = next). */
  move(uid: string, index: number): void {
    const from = this.queue.findIndex((r) => r.uid === uid);
    if (from < 0) throw new DaqError('not_found', `run ${uid} is not in the queue`);
    const [run] = this.queue.splice(from, 1);
    this.queue.splice(Math.max(0, Math.min(index, this.queue.length)), 0, run as Run);
    this.queueChanged();
  }

  /** Empties the queue (the current run goes on). */
  clear(): void {
    const cleared = this.queue.splice(0);
    this.queueChanged();
    for (const run of cleared) this.drop(run, 'queue cleared');
  }

  /** Ends a queued run that never started: aborted, no documents, kept with the finished runs. */
  private drop(run: Run, reason: string): void {
    run.abort(reason);
    run.finish({ kind: 'stop', uid: '', runStart: run.uid, timeS: this.clock.now(), exitStatus: 'abort', reason, numEvents: {} });
    this.history.push(run);
    this.changes.emit(run.summary());
  }

  /** Starts taking runs from the queue. */
  startQueue(): void {
    this.processing = true;
    this.pump();
  }

  /** Stops taking new runs from the queue (the current run goes on). */
  stopQueue(): void {
    this.processing = false;
  }

  /** Tries again to start the next queued run (after a claim that said "not now"). */
  wake(): void {
    this.pump();
  }

  /** Whether the queue is being processed. */
  get queueRunning(): boolean {
    return this.processing;
  }

  onDocument(listener: (event: RunDocumentEvent) => void): Unsubscribe {
    return this.documents.on(listener);
  }

  /**
   * Registers work each run waits for after its start document and before its script begins
   * (the storage reads the devices' settings "at run start" there). A preparer that fails is
   * ignored; one that never settles holds the run, so bound it yourself.
   */
  beforeScript(prepare: (runUid: string) => Promise<void>): Unsubscribe {
    this.preparers.add(prepare);
    return () => this.preparers.delete(prepare);
  }

  /**
   * Registers a check each run passes before it first uses a device (a call, an axis of a plan):
   * `guard` throws to refuse the device to the run (another daemon's run holds it), and the
   * script or plan fails with that error. Synchronous: it decides from what it already knows.
   */
  guardDevices(guard: (device: string, runUid: string) => void): Unsubscribe {
    this.deviceGuards.add(guard);
    return () => this.deviceGuards.delete(guard);
  }

  onLog(listener: (entry: LogEntry) => void): Unsubscribe {
    return this.logs.on(listener);
  }

  /** Called whenever a run changes state or progress. */
  onRunChange(listener: (summary: RunSummary) => void): Unsubscribe {
    return this.changes.on(listener);
  }

  /**
   * Aborts the current run and clears the queue; resolves when the current run has ended. With
   * `keepQueued`, the queued runs end here but are not taken off the saved queue
   * ({@link RunEngineOptions.onQueueChanged} is not called again): the next daemon queues them again.
   */
  async shutdown(reason = 'the daemon is shutting down', keepQueued = false): Promise<void> {
    this.processing = false;
    await this.claiming; // a run taken from a shared queue starts (and is aborted below): never lost
    if (keepQueued) {
      this.queueSaved = false;
      for (const run of this.queue.splice(0)) this.drop(run, `${reason}; the run stays queued for the next daemon on this data directory`);
    }
    this.clear();
    const current = this.current;
    current?.abort(reason);
    if (current !== undefined) await current.done;
  }

  private queueChanged(): void {
    if (this.queueSaved) this.options.onQueueChanged?.(this.queue);
  }

  private pump(): void {
    if (!this.processing || this.current !== undefined || this.claiming !== undefined) return;
    const next = this.queue[0];
    if (next === undefined) return;
    const claim = this.options.claim;
    if (claim === undefined) return this.begin(next);
    this.claiming = claim(next)
      .catch(() => false)
      .then((taken) => {
        this.claiming = undefined;
        if (taken && next.state === 'queued') this.begin(next);
      });
  }

  /** Starts `next`, taken off the queue. */
  private begin(next: Run): void {
    const index = this.queue.indexOf(next);
    if (index >= 0) this.queue.splice(index, 1);
    this.queueChanged(); // before it starts: a saved queue never holds a run that has started
    this.current = next;
    void this.execute(next).finally(() => {
      this.changes.emit(next.summary());
      this.pump();
    });
  }

  private async execute(run: Run): Promise<void> {
    const { scriptName, source } = run.request;
    const log = (level: LogLevel, message: string): void => this.logs.emit({ runUid: run.uid, timeS: this.clock.now(), level, message });
    const configurations = new DeviceConfigurations(this.lab, this.clock, this.options.configurationTimeoutS, (message) => log('warn', message), run.signal);
    const recorder = new RunRecorder(
      {
        uid: run.uid,
        scriptName,
        scriptSource: source,
        params: run.request.params ?? {},
        metadata: run.request.metadata ?? {},
        lab: this.lab.name,
        scanId: this.options.nextScanId?.() ?? ++this.scansStarted,
        plan: this.planOf(scriptName, source),
      },
      this.clock,
      { configuration: configurations },
    );
    run.countEvents = () => recorder.numEvents;
    recorder.onDocument((document) => this.documents.emit({ runUid: run.uid, document }));
    run.state = 'running';
    run.startTimeS = this.clock.now();
    recorder.open();
    this.changes.emit(run.summary());
    const suspenders = new RunSuspenders(this.lab, this.clock, run, (change) => this.suspension(run, recorder, change, log));
    const context = this.contextFor(run, recorder, configurations, suspenders);
    let outcome: ScriptOutcome | undefined;
    let failure: DaqError | undefined;
    try {
      if (this.preparers.size > 0) await Promise.allSettled([...this.preparers].map((prepare) => prepare(run.uid)));
      if (run.signal.aborted) throw DaqError.from(run.signal.reason);
      await run.request.prepare?.({ signal: run.signal, log: context.log, touch: context.touch });
      if (run.signal.aborted) throw DaqError.from(run.signal.reason);
      const world = createScriptHost(context, run.request.params ?? {}, run.request.scriptName);
      const handle = startSandboxed({
        source: this.tagged(scriptName, source),
        filename: run.request.scriptName,
        host: world.host,
        deferred: world.deferred,
        keepValue: false,
        globals: world.globals,
        prelude: world.prelude,
        limits: { ...this.options.defaultLimits, ...run.request.limits },
        signal: run.signal,
      });
      outcome = await handle.outcome;
    } catch (error) {
      failure = DaqError.from(error);
    }
    suspenders.close();
    const [status, reason] = ending(run, outcome, failure);
    if (status !== 'success') await this.safeState(run, context);
    this.history.push(run);
    this.current = undefined;
    run.finish(recorder.close(status, reason));
  }

  /** What the run is, from its source; a script named after its file when the source cannot be read. */
  private planOf(scriptName: string, source: string): PlanInfo {
    const stem = scriptStem(scriptName);
    try {
      const axisName = (device: string, quantity?: string): string | undefined => {
        try {
          return axisOf(this.lab.device(device), quantity).name;
        } catch {
          return undefined;
        }
      };
      return detectPlan(source, scriptName, new Set(this.lab.devices().map((d) => d.name)), stem, axisName);
    } catch {
      return { planName: stem, planType: 'script', motors: [], detectors: [] };
    }
  }

  /** The source to run: `record()` calls tagged with their lines, fields read from devices with their device and units (record-rewrite.ts). */
  private tagged(scriptName: string, source: string): string {
    if (!RECORD_CALL.test(source)) return source;
    try {
      const motors = new Set(this.lab.devices().filter(isMovable).map((d) => d.name));
      return rewriteRecords(source, scriptName, labGetterUnits(this.lab.devices()), labRecordReads(this.lab.devices()), (device) => motors.has(device));
    } catch {
      return source; // TypeScript missing: the sandbox says so for a .ts script; a .js script runs untagged
    }
  }

  /** Records a suspension or resumption in the run's `suspensions` stream, logs it and tells clients. */
  private suspension(run: Run, recorder: RunRecorder, change: SuspensionChange, log: (level: LogLevel, message: string) => void): void {
    log(change.suspended ? 'warn' : 'info', `${change.suspended ? 'suspended' : 'going on'}: ${change.reason}`);
    try {
      recorder.record(SUSPENSIONS_STREAM, { suspended: change.suspended, suspender: change.suspender, reason: change.reason });
    } catch (error) {
      log('error', `the suspension could not be recorded: ${DaqError.from(error).message}`);
    }
    this.changes.emit(run.summary());
  }

  private contextFor(run: Run, recorder: RunRecorder, configurations: DeviceConfigurations, suspenders: RunSuspenders): RunContext {
    // Progress is told to listeners (displays, status streams) at most every PROGRESS_EVERY_MS
    // and when it reaches its total: a fast plan calls it for every point.
    let toldMs = -Infinity;
    let telling: NodeJS.Timeout | undefined;
    const tell = (): void => {
      telling = undefined;
      toldMs = performance.now();
      if (run.state !== 'finished') this.changes.emit(run.summary());
    };
    return {
      lab: this.lab,
      clock: this.clock,
      recorder,
      configurations,
      suspenders,
      signal: run.signal,
      ...(this.options.yieldEveryMs === undefined
        ? { checkpoint: () => run.checkpoint(), checkpointPasses: () => run.passesCheckpoint }
        : yieldingCheckpoint(run, this.options.yieldEveryMs)),
      log: (level: LogLevel, message: string) => this.logs.emit({ runUid: run.uid, timeS: this.clock.now(), level, message }),
      progress: (done, total) => {
        checkProgress(done, total);
        run.progress = { done, total };
        if (done === total || performance.now() - toldMs >= PROGRESS_EVERY_MS) {
          if (telling !== undefined) clearTimeout(telling);
          tell();
        } else telling ??= setTimeout(tell, PROGRESS_EVERY_MS - (performance.now() - toldMs)).unref();
      },
      touch: (device) => {
        if (run.touched.has(device)) return;
        for (const guard of this.deviceGuards) guard(device, run.uid);
        run.touched.add(device);
      },
    };
  }

  /** Stops every Stoppable device the run used, in parallel; failures are logged, not thrown. */
  private async safeState(run: Run, context: RunContext): Promise<void> {
    const devices = [...run.touched].map((name) => this.lab.device(name));
    await Promise.all(
      devices.map(async (device) => {
        if (!isStoppable(device)) return;
        try {
          await device.stop();
          context.log('info', `${device.name}: put in its safe state`);
        } catch (error) {
          context.log('error', `safe state failed: ${formatErrorTree(error)}`);
        }
      }),
    );
  }
}

/** The exit status and reason of a run from its sandbox outcome. */
function ending(run: Run, outcome: ScriptOutcome | undefined, failure: DaqError | undefined): [ExitStatus, string] {
  if (failure !== undefined) return [run.signal.aborted ? 'abort' : 'fail', failure.message];
  if (outcome === undefined) return ['fail', 'the script did not run'];
  if (outcome.status === 'success') return ['success', ''];
  if (outcome.status === 'abort' || run.signal.aborted) {
    const why = run.signal.reason instanceof Error ? run.signal.reason.message : 'aborted';
    return ['abort', why];
  }
  return ['fail', outcome.error.stack ?? outcome.error.message];
}

/** Least time between two progress changes told to listeners, ms. */
const PROGRESS_EVERY_MS = 20;

/** Largest progress count clients can be sent (uint32 in the API). */
const MAX_PROGRESS = 2 ** 32 - 1;

/**
 * Refuses progress a client could not be told (a fraction, a negative count, more than 2^32 - 1):
 * one such value in a run's summary broke every listing of runs until a restart.
 */
function checkProgress(done: number, total: number): void {
  const whole = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_PROGRESS;
  if (!whole(done) || !whole(total)) {
    throw new DaqError('invalid_argument', `progress(done, total): both must be whole numbers from 0 to ${MAX_PROGRESS}, got (${done}, ${total})`);
  }
}

/**
 * `run.checkpoint()`, which also lets the event loop run when `everyMs` have passed since it last
 * did; and whether it would pass at once.
 */
function yieldingCheckpoint(run: Run, everyMs: number): { checkpoint: () => Promise<void>; checkpointPasses: () => boolean } {
  let last = performance.now();
  const turn = async (): Promise<void> => {
    await new Promise((resolve) => setImmediate(resolve));
    last = performance.now();
    await run.checkpoint();
  };
  return {
    // Between turns it is the run's checkpoint itself (no async function of its own per point).
    checkpoint: () => (performance.now() - last >= everyMs ? turn() : run.checkpoint()),
    checkpointPasses: () => run.passesCheckpoint && performance.now() - last < everyMs,
  };
}
