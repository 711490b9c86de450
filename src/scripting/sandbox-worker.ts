/**
 * Entry of a script's worker thread: QuickJS (sync WebAssembly build) in a fixed-size memory, the
 * script's globals, the interrupt handler that enforces the operation budget, the deadline and
 * aborts, and the blocking host-call stub. Runs one script, posts one {@link WorkerReport}, ends.
 * Never imported by the main thread; loaded through src/core/worker-entry.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import releaseSyncVariant from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
} from 'quickjs-emscripten-core';
import { AbortState, AnswerKind, Slot, awaitAnswer, channelViews, writeRequest } from './channel.js';
import type { RawScriptError, StopReason, WorkerInput, WorkerReport } from './protocol.js';
import { BOOTSTRAP_FILENAME, BOOTSTRAP_SOURCE, PRELUDE_FILENAME, runsAsAsync } from './vm-bootstrap.js';
import { WASM_PAGE_BYTES, wasmApi } from './wasm-api.js';

const MIB = 1024 * 1024;
/** The QuickJS build declares 16 MiB of initial memory; a smaller one is refused. */
const INITIAL_PAGES = 256;
const STOPPED_ANSWER = 'e{"name":"DaqError","message":"the script was stopped","code":"cancelled"}';
/**
 * Entries of {@link queued} held before they are sent without waiting for another call (see
 * `SandboxOptions.deferred`); the bootstrap keeps at most as many calls inside QuickJS.
 */
const MAX_QUEUED_CALLS = 256;
/** Characters of arguments of held deferred calls that make the worker send them at once. */
const MAX_QUEUED_CHARS = 64 * 1024;
/** How long deferred calls wait in the worker while the script computes without calling the host, in ms. */
export const MAX_QUEUED_MS = 2;
/**
 * QuickJS's `JS_EVAL_FLAG_ASYNC` (global code): the script may use `await` outside functions, as a
 * module may; its evaluation is a promise of `{ value }` (the last value). Device calls answer at
 * once, so `await stage.moveAbs(1)` waits for nothing more; the rest runs as promise jobs.
 */
const EVAL_GLOBAL_ASYNC = 1 << 7;

const input = workerData as WorkerInput;
const port = parentPort;
const channel = channelViews(input.channel);
const header = channel.header;
const memory = new wasmApi.Memory({ initial: INITIAL_PAGES, maximum: input.maxMemoryMb * (MIB / WASM_PAGE_BYTES) });
/** The default export, whichever way the package's CommonJS-typed declarations present it. */
const baseVariant = unwrapDefault(releaseSyncVariant as unknown as QuickJSSyncVariant | { default: QuickJSSyncVariant });

/** Why the script was stopped, once it was. */
let stop: StopReason | undefined;
/** Whether a host call has already thrown the abort error into the script (cleanup may follow). */
let abortDelivered = false;
/** While describing the InternalError of a stop, the interrupt handler lets our own code finish. */
let describingStop = false;
/** Ticks our own describing may take after a stop (it runs no script code; this is a backstop). */
const DESCRIBE_TICKS = 10_000;
let describeTicks = 0;
let ticks = 0;
const deferred = new Set(input.deferred);
/** Deferred calls not sent yet, as request lines: one call an entry, or the calls the bootstrap kept, joined by newlines. */
let queued: string[] = [];
let queuedChars = 0;
/** When the oldest queued call was made, `performance.now()` ms. */
let queuedSinceMs = 0;
/** An error answer that came while the script was not calling the host (a flush of the interrupt handler): thrown at its next call. */
let laterAnswer: string | undefined;
/** Whether {@link laterAnswer} is a refusal (the calls made after it are dropped) rather than a stop. */
let laterRefused = false;
/** Whether the last batch answer read was a refusal. */
let lastBatchRefused = false;
/**
 * Whether a batch of deferred calls was sent and its answer not read yet: the script goes on
 * (making the next batch) while the main thread runs it; the answer is read before the next send.
 */
let inFlight = false;

/**
 * Takes the deferred calls the bootstrap keeps inside QuickJS (see vm-bootstrap.ts) into
 * {@link queued}; returns false when it could not, as a stub was changing them (the interrupt
 * handler ran in the middle of one), unless `now` (the script has ended). Set once the bootstrap
 * is built; calls into QuickJS (its own code only).
 */
let takeKept: ((now: boolean) => boolean) | undefined;
/** While {@link takeKept} runs (from the interrupt handler), the handler does nothing. */
let taking = false;

function shouldInterrupt(): boolean {
  if (taking) return false;
  if (stop !== undefined) return !describingStop || ++describeTicks > DESCRIBE_TICKS;
  ticks += 1;
  if (queued.length > 0 && performance.now() - queuedSinceMs > MAX_QUEUED_MS && (takeKept?.(false) ?? true)) {
    const answer = sendBatch();
    if (answer.charCodeAt(0) === 101 /* e */ && laterAnswer === undefined) {
      laterAnswer = answer;
      laterRefused = lastBatchRefused;
    }
  }
  if (ticks > input.maxOperations) stop = 'maxOperations';
  else if (Date.now() - input.startEpochMs > Atomics.load(header, Slot.deadlineMs)) stop = 'wallTimeS';
  else {
    const abort = Atomics.load(header, Slot.abort);
    if (abort === AbortState.hard || (abort === AbortState.soft && !abortDelivered)) stop = 'abort';
  }
  return stop !== undefined;
}

/** Adds request lines of deferred calls (one, or several joined by newlines) to {@link queued}. */
function enqueue(lines: string): void {
  if (queued.length === 0) queuedSinceMs = performance.now();
  queued.push(lines);
  queuedChars += lines.length;
}

/**
 * The native side of every host stub. `kept` is the request lines of the deferred calls the
 * bootstrap kept since the last crossing (empty for none): they are queued first, as if each had
 * crossed. A deferred call is queued and answers at once (`q` while calls stay queued here, so the
 * bootstrap keeps the next ones); `index` -1 only hands over `kept` (the bootstrap's bound was
 * reached); any other call is sent with the queued ones before it, and blocks until the main
 * thread answers (see channel.ts). Answers are tagged strings (see vm-bootstrap.ts).
 */
function callHost(index: number, argsJson: string, kept: string): string {
  if (laterAnswer !== undefined) {
    // The calls made since a refusal the script has not seen are dropped; since a stop, kept.
    if (kept !== '' && !laterRefused) enqueue(kept);
    const answer = laterAnswer;
    laterAnswer = undefined;
    return answer;
  }
  if (kept !== '') enqueue(kept);
  if (stop !== undefined) {
    if (queued.length > 0 || inFlight) send(undefined);
    return STOPPED_ANSWER;
  }
  if (index < 0) return sendBatch();
  if (!deferred.has(index)) return send(`${index}:${argsJson}`);
  enqueue(`${index}:${argsJson}`);
  const answer = queued.length >= MAX_QUEUED_CALLS || queuedChars >= MAX_QUEUED_CHARS ? sendBatch() : 'u';
  return answer === 'u' && queued.length > 0 ? 'q' : answer;
}

/**
 * Reads the answer of the batch in flight, if any. A refusal in it was made by a call before
 * everything queued since: those are dropped (had the script waited, it would have stopped there).
 * A stop (abort, deadline) keeps them: they were made before it, and still go.
 */
function collect(): string {
  if (!inFlight) return 'u';
  inFlight = false;
  const answer = awaitAnswer(channel, input.overflow);
  lastBatchRefused = answer.kind === AnswerKind.error;
  if (lastBatchRefused) {
    queued = [];
    queuedChars = 0;
  }
  return tagged(answer);
}

/** Sends the queued deferred calls without waiting for them (after reading the answer of the batch before). */
function sendBatch(): string {
  const before = collect();
  if (before !== 'u' || queued.length === 0) return before;
  const text = queued.join('\n');
  queued = [];
  queuedChars = 0;
  if (writeRequest(channel, input.overflow, text)) port?.postMessage('w');
  inFlight = true;
  return 'u';
}

/** Sends the queued deferred calls and then `call` (none: a flush), and waits for the answer. */
function send(call: string | undefined): string {
  const before = collect();
  if (before !== 'u') {
    // the batch before was refused (nothing is queued then) or stopped: what is queued still goes, `call` does not
    if (queued.length > 0) send(undefined);
    return before;
  }
  let text: string;
  if (queued.length === 0) text = call ?? '';
  else {
    if (call !== undefined) queued.push(call);
    text = queued.join('\n');
    queued = [];
    queuedChars = 0;
  }
  if (writeRequest(channel, input.overflow, text)) port?.postMessage('w');
  return tagged(awaitAnswer(channel, input.overflow));
}

/** An answer as the bootstrap's stubs take it: `v<json>`, `u` or `e<json>` (see vm-bootstrap.ts). */
function tagged({ kind, text: answer }: { kind: number; text: string }): string {
  switch (kind) {
    case AnswerKind.value:
      return `v${answer}`;
    case AnswerKind.undefined:
      return 'u';
    case AnswerKind.abort:
      abortDelivered = true;
      if (Atomics.load(header, Slot.abort) === AbortState.hard) stop = 'abort';
      return `e${answer}`;
    case AnswerKind.deadline:
      stop = 'wallTimeS';
      return `e${answer}`;
    default:
      return `e${answer}`;
  }
}

/**
 * At the end of the script: sends the deferred calls still queued and returns the error the
 * script has not seen yet (of a deferred call, or of the interrupt handler's flush), if any.
 */
function flushAtEnd(): RawScriptError | undefined {
  takeKept?.(true);
  const answer = queued.length > 0 || inFlight ? send(undefined) : 'u';
  const unseen = laterAnswer ?? (answer.charCodeAt(0) === 101 /* e */ ? answer : undefined);
  laterAnswer = undefined;
  if (unseen === undefined) return undefined;
  const error = JSON.parse(unseen.slice(1)) as { name?: string; message?: string; code?: string };
  return { name: error.name ?? 'Error', message: error.message ?? '', stack: '', ...(error.code === undefined ? {} : { code: error.code }) };
}

function unwrapDefault(module: QuickJSSyncVariant | { default: QuickJSSyncVariant }): QuickJSSyncVariant {
  return 'default' in module ? module.default : module;
}

function post(report: WorkerReport): void {
  port?.postMessage(report);
}

/** Posts the successful end, or the error of a deferred call the script has not seen. */
function succeed(report: Extract<WorkerReport, { ok: true }>): void {
  const unseen = flushAtEnd();
  if (unseen === undefined) post(report);
  else fail('run', unseen);
}

function memoryFull(): boolean {
  return memory.buffer.byteLength >= 0.75 * input.maxMemoryMb * MIB;
}

function fail(phase: Extract<WorkerReport, { ok: false }>['phase'], error: RawScriptError): void {
  // What the script recorded before it failed is kept: the queued calls still go (their errors no longer matter).
  try {
    takeKept?.(true);
  } catch {
    // the engine itself failed (phase crash): what it kept is lost with it
  }
  takeKept = undefined;
  if (queued.length > 0 || inFlight) flushAtEnd();
  post({ type: 'done', ok: false, phase, error, memoryFull: memoryFull(), ...(stop === undefined ? {} : { stop }) });
}

/** Describes a thrown value with the bootstrap's `describe`, falling back to a bare record. */
function describeWith(ctx: QuickJSContext, describe: QuickJSHandle, thrown: QuickJSHandle): RawScriptError {
  describingStop = true;
  describeTicks = 0;
  try {
    const described = ctx.callFunction(describe, ctx.undefined, thrown);
    if (described.error) {
      described.error.dispose();
      return { name: 'Error', message: 'uncaught exception (it could not be described)', stack: '' };
    }
    const json = ctx.getString(described.value);
    described.value.dispose();
    return JSON.parse(json) as RawScriptError;
  } finally {
    describingStop = false;
  }
}

async function main(): Promise<void> {
  const variant = newVariant(baseVariant, { wasmModule: input.wasmModule, wasmMemory: memory });
  const quickjs = await newQuickJSWASMModuleFromVariant(variant);
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(input.maxMemoryMb * MIB);
  runtime.setMaxStackSize(input.maxStackKb * 1024);
  runtime.setInterruptHandler(shouldInterrupt);
  const ctx = runtime.newContext();

  const hostCall = ctx.newFunction('hostCall', (index, args, kept) => {
    const answer = callHost(ctx.getNumber(index), ctx.getString(args), kept === undefined ? '' : ctx.getString(kept));
    return answer === 'u' ? ctx.undefined : ctx.newString(answer);
  });
  const bootstrap = ctx.unwrapResult(ctx.evalCode(BOOTSTRAP_SOURCE, BOOTSTRAP_FILENAME, { type: 'global' }));
  const setup = ctx.callFunction(
    bootstrap,
    ctx.undefined,
    hostCall,
    ctx.newString(JSON.stringify(input.hostNames)),
    ctx.newString(input.globalsJson),
    ctx.newString(JSON.stringify(input.deferred)),
  );
  if (setup.error) {
    const dumped = ctx.dump(setup.error) as { name?: unknown; message?: unknown };
    return fail('setup', { name: String(dumped.name ?? 'Error'), message: String(dumped.message ?? dumped), stack: '' });
  }
  const exportValue = ctx.getProp(setup.value, 'exportValue');
  const describe = ctx.getProp(setup.value, 'describe');
  const takeQueued = ctx.getProp(setup.value, 'takeQueued');
  takeKept = (now) => {
    taking = true;
    try {
      let taken = ctx.callFunction(takeQueued, ctx.undefined, now ? ctx.true : ctx.false);
      if (taken.error && now) {
        // At the script's end (it may have run out of memory): what it recorded must still go, so
        // the limit is lifted for this one call of the bootstrap's own code, and it is tried again.
        taken.error.dispose();
        runtime.setMemoryLimit(-1);
        taken = ctx.callFunction(takeQueued, ctx.undefined, ctx.true);
      }
      if (taken.error) {
        taken.error.dispose();
        return true;
      }
      const text = ctx.typeof(taken.value) === 'string' ? ctx.getString(taken.value) : undefined;
      taken.value.dispose();
      if (text !== undefined && text !== '') enqueue(text);
      return text !== undefined;
    } finally {
      taking = false;
    }
  };

  if (input.prelude !== '') {
    const prelude = ctx.evalCode(input.prelude, PRELUDE_FILENAME, { type: 'global' });
    if (prelude.error) return fail('prelude', describeWith(ctx, describe, prelude.error));
    prelude.value.dispose();
  }

  if (Atomics.load(header, Slot.abort) !== AbortState.none) stop = 'abort';
  // Only a script that says `await` is evaluated as async code: the others run exactly as before.
  const awaits = runsAsAsync(input.source);
  const evaluated = stop === undefined ? ctx.evalCode(input.source, input.filename, awaits ? EVAL_GLOBAL_ASYNC : { type: 'global' }) : undefined;
  if (evaluated === undefined) return fail('run', { name: 'InternalError', message: 'interrupted', stack: '' });
  if (evaluated.error) return fail('run', describeWith(ctx, describe, evaluated.error));

  // Promise jobs (an `async function main()`) run now; there are no timers, so this ends.
  const jobs = runtime.executePendingJobs(-1);
  if (jobs.error) return fail('run', describeWith(ctx, describe, jobs.error));
  let state = ctx.getPromiseState(evaluated.value);
  // Async code's value is `{ value }`: the last value, itself a promise when the script ends with `main()`.
  if (awaits && state.type === 'fulfilled') state = ctx.getPromiseState(ctx.getProp(state.value, 'value'));
  if (state.type === 'rejected') return fail('run', describeWith(ctx, describe, state.error));
  if (state.type === 'pending') {
    return fail('run', { name: 'Error', message: "the script's promise never settled (nothing is left that could settle it)", stack: '' });
  }
  // The last value's JSON runs script code (toJSON, getters): it counts against the limits, and a
  // stop while it runs is the run's outcome (the script's objects never decide it).
  if (!input.keepValue) return succeed({ type: 'done', ok: true });
  const exported = ctx.callFunction(exportValue, ctx.undefined, state.value);
  if (stop !== undefined) return fail('run', { name: 'InternalError', message: 'interrupted', stack: '' });
  const valueJson = exported.error || ctx.typeof(exported.value) !== 'string' ? undefined : ctx.getString(exported.value);
  succeed(valueJson === undefined ? { type: 'done', ok: true } : { type: 'done', ok: true, valueJson });
}

main().catch((error: unknown) => {
  // A trap of the engine itself (out of WebAssembly memory mid-operation, a host stack overflow).
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  fail('crash', { name, message, stack: '' });
});
