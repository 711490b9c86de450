/**
 * The call channel between the daemon's thread and a script's worker: one SharedArrayBuffer with
 * an Int32 header and a data area that carries the request, then its answer. A host call goes:
 *
 * 1. worker: writes the request text (`"<index>:<args JSON>"` lines, see host-dispatch.ts) into the
 *    data area (or, when it does not fit, posts it on the overflow port), stores state = waiting,
 *    and wakes the main thread with a message only when the main thread is not already polling;
 * 2. main: reads the request, runs the host function(s), writes the answer into the data area (or
 *    the overflow port), sets kind and length, stores state = answered and `Atomics.notify`s, then
 *    polls briefly for the next request before it returns to its event loop;
 * 3. worker: polls briefly, then sleeps on `Atomics.wait`; it reads the answer, stores state = idle.
 *
 * A call therefore costs two stores and two loads of shared memory while both threads are busy
 * with the script, and one message (the event loop's wake-up) only after a pause. The same header
 * carries the abort flag and the deadline, which the worker's interrupt handler reads without any
 * help from the main thread. Used by both threads, so it imports only Node.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** Int32 slots of the header. */
export const Slot = {
  /** {@link CallState} of the current host call. */
  state: 0,
  /** {@link AnswerKind} of the answer. */
  kind: 1,
  /** Bytes of the answer in the data area, or {@link LENGTH_ON_PORT}. */
  length: 2,
  /** {@link AbortState} of the run. */
  abort: 3,
  /** The deadline, in milliseconds after the run's start time (`Date.now()` epoch ms, in workerData). */
  deadlineMs: 4,
  /** Bytes of the request in the data area, or {@link LENGTH_ON_PORT}. */
  requestLength: 5,
  /** 1 while the main thread polls for requests (the worker then sends no wake-up message). */
  mainPolling: 6,
  /** Microseconds the worker spent between its last answer and its latest request (the script's own work). */
  gapUs: 7,
} as const;

/** Bytes before the data area (8 Int32 slots). */
export const HEADER_BYTES = 32;

/** Where the current host call is. */
export const CallState = { idle: 0, waiting: 1, answered: 2 } as const;

/** What the main thread answered. */
export const AnswerKind = {
  /** The data is the result's JSON. */
  value: 0,
  /** The host function returned `undefined`; no data. */
  undefined: 1,
  /** The data is `{"message","code","name"}` of an error to throw in the script. */
  error: 2,
  /** Like `error`: the run was aborted. */
  abort: 3,
  /** Like `error`: the run passed its wall-time limit. */
  deadline: 4,
} as const;

/** Whether the run was aborted: `soft` lets the script clean up, `hard` stops it now. */
export const AbortState = { none: 0, soft: 1, hard: 2 } as const;

/** The text did not fit the data area and waits on the overflow port. */
export const LENGTH_ON_PORT = -1;

/** Default size of the data area in bytes: longer requests and answers go through the overflow port. */
export const DEFAULT_CHANNEL_BYTES = 256 * 1024;

/** Typed views over a channel's SharedArrayBuffer. */
export interface ChannelViews {
  readonly header: Int32Array;
  readonly data: Uint8Array;
}

/** A new channel buffer with a data area of `dataBytes` bytes. */
export function createChannelBuffer(dataBytes = DEFAULT_CHANNEL_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + dataBytes);
}

/** The header and data views of a channel buffer. */
export function channelViews(buffer: SharedArrayBuffer): ChannelViews {
  return { header: new Int32Array(buffer, 0, HEADER_BYTES / 4), data: new Uint8Array(buffer, HEADER_BYTES) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long the worker polls for an answer before it sleeps on `Atomics.wait`, in ms. */
export const SPIN_MS = 0.2;

/**
 * Recent answers that the worker's poll missed (a count that decays by {@link SLOW_DECAY} an
 * answer, i.e. halves in about 180 answers) above which the worker stops polling and sleeps at
 * once: the calls are slow (a move), or the main thread waits for the core the poll holds.
 */
const SLOW_BEFORE_SLEEPING = 3;
/** Factor of the recent slow-answer count kept at each answer. */
const SLOW_DECAY = 1 - 1 / 256;
/** Worker: recent answers that came after its poll gave up, decayed (see {@link SLOW_BEFORE_SLEEPING}). */
let recentSlow = 0;

/**
 * Worker: waits until the call state is no longer `waiting`. It polls for up to {@link SPIN_MS}
 * first, then sleeps on `Atomics.wait`. Most device calls answer within microseconds, and waking
 * a sleeping thread costs 50-100 us on a virtual machine; a short poll saves that wake-up for fast
 * calls and costs at most 0.2 ms of one core for slow ones (a move). While answers keep coming
 * later than {@link SPIN_MS} (slow calls, or a machine whose other core is busy, where the poll
 * only delays the main thread it waits for), it sleeps at once; an isolated late answer does not
 * stop it polling.
 */
function waitWhileWaiting(header: Int32Array): void {
  recentSlow *= SLOW_DECAY;
  if (Atomics.load(header, Slot.state) !== CallState.waiting) return;
  const start = performance.now();
  if (recentSlow <= SLOW_BEFORE_SLEEPING) {
    const until = start + SPIN_MS;
    while (Atomics.load(header, Slot.state) === CallState.waiting && performance.now() < until) {
      // poll
    }
  }
  if (Atomics.load(header, Slot.state) !== CallState.waiting) return;
  while (Atomics.load(header, Slot.state) === CallState.waiting) {
    Atomics.wait(header, Slot.state, CallState.waiting);
  }
  if (performance.now() - start > SPIN_MS) recentSlow += 1;
}

/** Writes `text` into the data area, or posts it on `overflow`; returns the length slot's value. */
function put(data: Uint8Array, overflow: MessagePort, text: string): number {
  if (text.length === 0) return 0;
  const { read, written } = encoder.encodeInto(text, data);
  if (read === text.length) return written;
  overflow.postMessage(text);
  return LENGTH_ON_PORT;
}

/** Reads what {@link put} wrote. */
function take(data: Uint8Array, overflow: MessagePort, length: number): string {
  if (length === LENGTH_ON_PORT) {
    const received = receiveMessageOnPort(overflow);
    return typeof received?.message === 'string' ? received.message : '';
  }
  return length > 0 ? decoder.decode(data.subarray(0, length)) : '';
}

/** Worker: when the last answer was read, `performance.now()` ms (the start of the script's own work). */
let answeredAtMs = 0;

/**
 * Worker: sends a request. Returns whether the main thread must be woken with a message (it was
 * not polling when the request became visible to it).
 */
export function writeRequest(channel: ChannelViews, overflow: MessagePort, text: string): boolean {
  const { header, data } = channel;
  header[Slot.requestLength] = put(data, overflow, text);
  header[Slot.gapUs] = Math.min(2 ** 31 - 1, Math.round((performance.now() - answeredAtMs) * 1000));
  Atomics.store(header, Slot.state, CallState.waiting);
  return Atomics.load(header, Slot.mainPolling) === 0;
}

/** Main thread: reads the waiting request (call once per request, before answering it). */
export function readRequest(channel: ChannelViews, overflow: MessagePort): string {
  return take(channel.data, overflow, channel.header[Slot.requestLength] ?? 0);
}

/**
 * Main thread: polls for up to `ms` until a request waits, with the polling flag raised so the
 * worker sends no wake-up meanwhile. Returns whether one waits. The flag is lowered before the
 * last look, so a request is either seen here or announced by a message. It does not poll at all
 * when the script's last stretch of work between two calls took longer than `ms` (the script is
 * computing, or its thread was not running: polling would only take a core from it).
 */
export function pollForRequest(channel: ChannelViews, ms: number): boolean {
  const { header } = channel;
  if (Atomics.load(header, Slot.state) === CallState.waiting) return true;
  if ((header[Slot.gapUs] ?? 0) > ms * 1000) return false;
  Atomics.store(header, Slot.mainPolling, 1);
  const until = performance.now() + ms;
  while (Atomics.load(header, Slot.state) !== CallState.waiting && performance.now() < until) {
    // poll
  }
  Atomics.store(header, Slot.mainPolling, 0);
  return Atomics.load(header, Slot.state) === CallState.waiting;
}

/**
 * Main thread: delivers an answer to the waiting worker and wakes it. `text` is JSON for
 * `value` and the error kinds, empty for `undefined`.
 */
export function writeAnswer(channel: ChannelViews, overflow: MessagePort, kind: number, text: string): void {
  const { header, data } = channel;
  header[Slot.kind] = kind;
  header[Slot.length] = put(data, overflow, text);
  Atomics.store(header, Slot.state, CallState.answered);
  Atomics.notify(header, Slot.state);
}

/** An answer as the worker reads it. */
export interface Answer {
  kind: number;
  text: string;
}

/** Worker: blocks until the main thread answers the current call, then reads the answer. */
export function awaitAnswer(channel: ChannelViews, overflow: MessagePort): Answer {
  const { header, data } = channel;
  waitWhileWaiting(header);
  const kind = header[Slot.kind] ?? AnswerKind.undefined;
  const text = take(data, overflow, header[Slot.length] ?? 0);
  Atomics.store(header, Slot.state, CallState.idle);
  answeredAtMs = performance.now();
  return { kind, text };
}
