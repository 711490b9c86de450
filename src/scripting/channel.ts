/**
 * The call channel between the daemon's thread and a script's worker: one SharedArrayBuffer with
 * an Int32 header and a data area. A host call goes:
 *
 * 1. worker: header.state = waiting, then `postMessage("<index>:<args JSON>")` (the request, and
 *    the main thread's wake-up), then `Atomics.wait` on header.state;
 * 2. main: runs the host function, writes the answer's JSON into the data area (or, when it does
 *    not fit, posts it on the overflow port), sets kind and length, stores state = answered and
 *    `Atomics.notify`s;
 * 3. worker: wakes, reads the answer, stores state = idle.
 *
 * The same header carries the abort flag and the deadline, which the worker's interrupt handler
 * reads without any help from the main thread. Used by both threads, so it imports only Node.
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
} as const;

/** Bytes before the data area (8 Int32 slots; 5 used). */
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

/** The answer's text did not fit the data area and waits on the overflow port. */
export const LENGTH_ON_PORT = -1;

/** Default size of the data area in bytes: answers larger than this go through the overflow port. */
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
 * Polls the call state for up to {@link SPIN_MS} before the worker goes to sleep. Most device
 * calls answer within tens of microseconds, and waking a sleeping thread costs about as much
 * again (50-100 us on a virtual machine whose idle CPU must be woken first); a short poll saves
 * that wake-up for fast calls and costs at most 0.2 ms of one core for slow ones (a move).
 */
function spinBriefly(header: Int32Array): void {
  const until = performance.now() + SPIN_MS;
  while (Atomics.load(header, Slot.state) === CallState.waiting && performance.now() < until) {
    // poll
  }
}

/**
 * Main thread: delivers an answer to the waiting worker and wakes it. `text` is JSON for
 * `value` and the error kinds, empty for `undefined`.
 */
export function writeAnswer(channel: ChannelViews, overflow: MessagePort, kind: number, text: string): void {
  const { header, data } = channel;
  let length = 0;
  if (text.length > 0) {
    const { read, written } = encoder.encodeInto(text, data);
    if (read === text.length) {
      length = written;
    } else {
      overflow.postMessage(text);
      length = LENGTH_ON_PORT;
    }
  }
  header[Slot.kind] = kind;
  header[Slot.length] = length;
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
  spinBriefly(header);
  while (Atomics.load(header, Slot.state) === CallState.waiting) {
    Atomics.wait(header, Slot.state, CallState.waiting);
  }
  const kind = header[Slot.kind] ?? AnswerKind.undefined;
  const length = header[Slot.length] ?? 0;
  let text = '';
  if (length === LENGTH_ON_PORT) {
    const received = receiveMessageOnPort(overflow);
    text = typeof received?.message === 'string' ? received.message : '';
  } else if (length > 0) {
    text = decoder.decode(data.subarray(0, length));
  }
  Atomics.store(header, Slot.state, CallState.idle);
  return { kind, text };
}
