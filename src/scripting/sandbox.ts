/**
 * Runs an experiment script in a sandbox: QuickJS in its own worker thread, one worker per run.
 * The script sees only the globals given to it; its host functions look synchronous to it (the
 * worker blocks while the daemon's thread serves the call); limits of time, work, memory and
 * stack stop it; an abort stops it within milliseconds, letting its `finally` blocks clean up for
 * a grace period. The daemon's event loop never waits on a script.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { DaqError } from '../core/errors.js';
import { setLongTimeout } from '../core/timeout.js';
import { AbortState, AnswerKind, Slot, channelViews, createChannelBuffer } from './channel.js';
import { HostDispatcher } from './host-dispatch.js';
import type { WorkerInput, WorkerReport } from './protocol.js';
import { prepareOptions, type PreparedOptions, type SandboxOptions } from './sandbox-options.js';
import { ScriptError, abortError, failureError, limitError } from './script-error.js';
import { isTypeScriptFile, stripTypes } from './strip-types.js';
import type { JsonValue } from './types.js';
import type { WasmModule } from './wasm-api.js';
import type { WorkerEntry } from '../core/worker-entry.js';
import { quickjsWasmModule, sandboxWorkerEntry } from './worker-loader.js';

/** After a stop the worker should obey by itself (deadline, end of abort grace), how long until it is terminated, in ms. */
const KILL_GRACE_MS = 500;
const MAX_INT32 = 2 ** 31 - 1;

/** How a run ended. `durationS` is wall time from start to end in seconds; `hostCalls` counts served host calls. */
export type ScriptOutcome =
  | { status: 'success'; value: JsonValue | undefined; durationS: number; hostCalls: number }
  | { status: 'fail' | 'abort'; error: ScriptError; durationS: number; hostCalls: number };

/** A running script. */
export interface SandboxHandle {
  /** Resolves when the run ends; never rejects. `value` is the script's completion value when it is JSON. */
  readonly outcome: Promise<ScriptOutcome>;
  /** Whether {@link pause} is in effect. */
  readonly paused: boolean;
  /** Whether, paused, the script's next host call has come and waits for {@link resume}. */
  readonly holding: boolean;
  /**
   * The script's next host call waits until {@link resume} (a call in progress completes). The
   * wall-time limit is extended by the paused time at resume.
   */
  pause(): void;
  /** Lets the held host call, and later ones, through. */
  resume(): void;
  /**
   * Aborts the run: a host call in progress, or the next one, throws an error with code
   * `cancelled` in the script; a script computing without host calls is stopped at once. Its
   * cleanup may call the host for `limits.abortGraceS`, then it is stopped and its worker
   * terminated. The outcome's status is `abort`. Same as aborting `options.signal`.
   */
  abort(reason?: unknown): void;
}

/**
 * Starts a script in a new sandbox worker.
 * @throws DaqError `invalid_argument` for bad options (host names, globals, limits); everything
 * that goes wrong later, including a syntax error, is in the outcome.
 */
export function startSandboxed(options: SandboxOptions): SandboxHandle {
  const run = new SandboxRun(options, prepareOptions(options));
  return {
    outcome: run.outcome,
    get paused() {
      return run.isPaused();
    },
    get holding() {
      return run.isHolding();
    },
    pause: () => run.pause(),
    resume: () => run.resume(),
    abort: (reason?: unknown) => run.abort(reason),
  };
}

/**
 * Runs a script to its end: {@link startSandboxed} without pause and resume. Rejects (with a
 * DaqError `invalid_argument`) only for bad options; every other failure is in the outcome.
 */
export async function runSandboxed(options: SandboxOptions): Promise<ScriptOutcome> {
  return startSandboxed(options).outcome;
}

/** One run: the worker, its channel, its timers. */
class SandboxRun {
  readonly outcome: Promise<ScriptOutcome>;
  private resolveOutcome: (outcome: ScriptOutcome) => void = () => undefined;
  private readonly startMs = Date.now();
  private readonly channelBuffer = createChannelBuffer();
  private readonly header: Int32Array;
  private readonly ports = new MessageChannel();
  private readonly dispatcher: HostDispatcher;
  private readonly file: string;
  private worker: Worker | undefined;
  private finished = false;
  private abortReason: DaqError | undefined;
  private pausedAtMs: number | undefined;
  private cancelDeadline: (() => void) | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly onSignal = (): void => this.abort(this.options.signal?.reason);

  constructor(
    private readonly options: SandboxOptions,
    private readonly prepared: PreparedOptions,
  ) {
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    this.file = options.filename;
    const channel = channelViews(this.channelBuffer);
    this.header = channel.header;
    this.header[Slot.deadlineMs] = Math.min(MAX_INT32, Math.round(prepared.limits.wallTimeS * 1000));
    this.dispatcher = new HostDispatcher(options.host, prepared.hostNames, channel, this.ports.port1, options.deferred);
    if (options.signal?.aborted) {
      this.abort(options.signal.reason);
      return;
    }
    options.signal?.addEventListener('abort', this.onSignal, { once: true });
    void this.start();
  }

  isPaused(): boolean {
    return this.pausedAtMs !== undefined;
  }

  isHolding(): boolean {
    return this.dispatcher.holding;
  }

  pause(): void {
    if (this.finished || this.pausedAtMs !== undefined || this.abortReason !== undefined) return;
    this.pausedAtMs = Date.now();
    this.dispatcher.pause();
  }

  resume(): void {
    if (this.pausedAtMs === undefined) return;
    const pausedMs = Date.now() - this.pausedAtMs;
    this.pausedAtMs = undefined;
    Atomics.store(this.header, Slot.deadlineMs, Math.min(MAX_INT32, Atomics.load(this.header, Slot.deadlineMs) + pausedMs));
    this.dispatcher.resume();
    if (!this.finished && this.worker !== undefined) this.scheduleDeadline();
  }

  abort(reason?: unknown): void {
    if (this.finished || this.abortReason !== undefined) return;
    const cause = DaqError.from(reason ?? new DaqError('cancelled', 'aborted on request'), { code: 'cancelled' });
    this.abortReason = cause;
    if (this.worker === undefined) return this.finish({ status: 'abort', error: abortError(cause, this.file) });
    const inScript = new DaqError('cancelled', `the run was aborted: ${cause.message}`);
    Atomics.store(this.header, Slot.abort, AbortState.soft);
    this.dispatcher.abort(inScript);
    this.pausedAtMs = undefined;
    this.dispatcher.resume();
    this.graceTimer = setTimeout(() => {
      Atomics.store(this.header, Slot.abort, AbortState.hard);
      this.dispatcher.stop(AnswerKind.abort, inScript);
      this.killLater(() => this.finish({ status: 'abort', error: abortError(cause, this.file) }));
    }, this.prepared.limits.abortGraceS * 1000);
  }

  private async start(): Promise<void> {
    try {
      const source = withoutEmptyExports(isTypeScriptFile(this.file) ? stripTypes(this.options.source, this.file) : this.options.source);
      const wasmModule = await quickjsWasmModule();
      if (!this.finished) this.spawn(sandboxWorkerEntry(), source, wasmModule);
    } catch (error) {
      const problem = DaqError.from(error);
      const at = problem.location?.line === undefined ? '' : `\n    at ${this.file}:${problem.location.line}:${problem.location.column ?? 1}`;
      const scriptStack = `${problem.message}${at}`;
      this.finish({ status: 'fail', error: new ScriptError(problem.code, problem.message, { file: this.file, scriptStack, cause: problem }) });
    }
  }

  private spawn(entry: WorkerEntry, source: string, wasmModule: WasmModule): void {
    const { limits, hostNames, globalsJson } = this.prepared;
    const input: WorkerInput = {
      source,
      filename: this.file,
      hostNames,
      deferred: (this.options.deferred ?? []).map((name) => hostNames.indexOf(name)),
      keepValue: this.options.keepValue !== false,
      globalsJson,
      prelude: this.options.prelude ?? '',
      channel: this.channelBuffer,
      overflow: this.ports.port2,
      wasmModule,
      startEpochMs: this.startMs,
      maxMemoryMb: limits.maxMemoryMb,
      maxStackKb: limits.maxStackKb,
      maxOperations: limits.maxOperations,
      ...(entry.devSources === undefined ? {} : { devSources: entry.devSources }),
    };
    const worker = new Worker(entry.url, {
      workerData: input,
      transferList: [this.ports.port2],
      execArgv: entry.execArgv,
      // The WebAssembly memory is outside these; they bound the worker's own JavaScript heap and
      // give QuickJS's recursion (WebAssembly frames) room before its own stack check fires.
      resourceLimits: { maxOldGenerationSizeMb: 48 + limits.maxMemoryMb, stackSizeMb: 4 + Math.ceil((limits.maxStackKb * 4) / 1024) },
    });
    this.worker = worker;
    worker.on('message', (message: unknown) => {
      if (typeof message === 'string') this.dispatcher.wake();
      else this.onReport(message as WorkerReport);
    });
    worker.on('error', (error) => this.onCrash(error));
    worker.on('exit', (code) => this.onCrash(new Error(`the sandbox worker exited unexpectedly (exit code ${code})`)));
    this.scheduleDeadline();
  }

  private scheduleDeadline(): void {
    this.cancelDeadline?.();
    const dueMs = this.startMs + Atomics.load(this.header, Slot.deadlineMs);
    // a long limit (--max-time 1e9) would wrap Node's setTimeout and fire every millisecond
    this.cancelDeadline = setLongTimeout(() => {
      if (this.finished || this.pausedAtMs !== undefined) return;
      if (Date.now() < this.startMs + Atomics.load(this.header, Slot.deadlineMs)) return this.scheduleDeadline();
      // The worker's interrupt handler stops a computing script by itself; this answers a host
      // call in progress, and terminates a worker that does not stop.
      const error = limitError('wallTimeS', this.prepared.limits, this.file);
      this.dispatcher.stop(AnswerKind.deadline, error);
      this.killLater(() => this.finish({ status: 'fail', error }));
    }, Math.max(0, dueMs - Date.now()));
  }

  private killLater(kill: () => void): void {
    this.killTimer ??= setTimeout(kill, KILL_GRACE_MS);
  }

  private onReport(report: WorkerReport): void {
    if (this.finished) return;
    if (this.abortReason !== undefined) {
      return this.finish({ status: 'abort', error: abortError(this.abortReason, this.file, report.ok ? undefined : report.error) });
    }
    if (!report.ok) return this.finish({ status: 'fail', error: failureError(report, this.prepared.limits, this.file) });
    const value = report.valueJson === undefined ? undefined : (JSON.parse(report.valueJson) as JsonValue);
    this.finish({ status: 'success', value });
  }

  private onCrash(error: Error): void {
    if (this.finished) return;
    if (this.abortReason !== undefined) return this.finish({ status: 'abort', error: abortError(this.abortReason, this.file) });
    if ((error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return this.finish({ status: 'fail', error: limitError('maxMemoryMb', this.prepared.limits, this.file) });
    }
    this.finish({ status: 'fail', error: new ScriptError('internal', `the sandbox worker failed: ${error.message}`, { file: this.file, cause: error }) });
  }

  private finish(end: { status: 'success'; value: JsonValue | undefined } | { status: 'fail' | 'abort'; error: ScriptError }): void {
    if (this.finished) return;
    this.finished = true;
    this.cancelDeadline?.();
    clearTimeout(this.graceTimer);
    clearTimeout(this.killTimer);
    this.options.signal?.removeEventListener('abort', this.onSignal);
    this.dispatcher.close();
    this.ports.port1.close();
    this.worker?.terminate().catch(() => undefined);
    this.resolveOutcome({ ...end, durationS: (Date.now() - this.startMs) / 1000, hostCalls: this.dispatcher.calls });
  }
}

/**
 * The script without `export {};` statements (alone on their line): an editor set-up (or an old
 * hint of `daq check`) adds one to make a file a module, and it means nothing to a script, which
 * runs as global code. The line stays, empty, so line numbers do not move.
 */
export function withoutEmptyExports(source: string): string {
  return source.includes('export') ? source.replace(/^[ \t]*export[ \t]*\{[ \t]*\}[ \t]*;?[ \t]*$/gm, '') : source;
}
