/**
 * JavaScript that runs inside QuickJS before the script: it builds the script's globals (host
 * function stubs in nested objects, plain values) around one hidden native function, and returns
 * helpers the worker uses to read results and errors. Kept as source text because it runs in the
 * sandbox, not in Node.
 */

/** The file name of the bootstrap code; its frames are dropped from the script's stack traces. */
export const BOOTSTRAP_FILENAME = 'daq:host';

/**
 * Whether a script is run as async code (top-level `await` allowed; see sandbox-worker.ts): when
 * it says `await` anywhere. Others run as plain global code, as they always did.
 */
export function runsAsAsync(source: string): boolean {
  return /\bawait\b/.test(source);
}

/** The file name of a run's prelude (see `SandboxOptions.prelude`); its frames are dropped too. */
export const PRELUDE_FILENAME = 'daq:prelude';

/** Deferred calls the bootstrap keeps before it hands them to the worker by themselves. */
export const BOOTSTRAP_MAX_QUEUED_CALLS = 256;
/** Characters of kept deferred calls' request lines that make the bootstrap hand them over. */
export const BOOTSTRAP_MAX_QUEUED_CHARS = 64 * 1024;

/**
 * A function expression taking `(hostCall, namesJson, globalsJson, deferredJson)`:
 *
 * - `hostCall(index, argsJson, queued?)` is the native stub. It answers `undefined` for undefined,
 *   or a string tagged by its first character: `v` + JSON of a value, `e` + JSON `{name, message, code}` of an
 *   error that the stub throws as an `Error` created here (so its stack shows the script's line),
 *   `q` (a deferred call only) for undefined when the worker holds queued calls after it.
 *   `queued` is the request lines (`"<index>:<args JSON>"`, joined by newlines) of the deferred
 *   calls made since the last crossing, which the worker sends before the call; `index` -1 sends
 *   only them.
 * - `namesJson` is the JSON array of dotted host names (request index = position in it).
 * - `globalsJson` is the JSON object of plain globals.
 * - `deferredJson` is the JSON array of the indexes of the deferred host functions.
 *
 * A deferred call crosses to the worker when the worker holds no queued call (so the worker knows
 * since when calls wait, and sends them within `MAX_QUEUED_MS` of sandbox-worker.ts, taking those
 * kept here with `takeQueued`); the next ones are kept here, as request lines, and cross with the next call that crosses, or by themselves once
 * {@link BOOTSTRAP_MAX_QUEUED_CALLS} calls or {@link BOOTSTRAP_MAX_QUEUED_CHARS} characters wait.
 * Each crossing of the quickjs-emscripten bridge costs ~5 us; a call kept here costs none.
 *
 * It returns `{ exportValue, describe, takeQueued }`: `exportValue(v)` is the JSON of `v` or
 * `undefined`, `describe(e)` the JSON `{name, message, stack, code?}` of any thrown value,
 * `takeQueued(now)` the queued request lines (empty when none), which it forgets, or `null` while
 * a stub changes them (unless `now`: after the script's end, when no stub will go on).
 */
export const BOOTSTRAP_SOURCE = String.raw`(function (hostCall, namesJson, globalsJson, deferredJson) {
  'use strict';
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const ErrorCtor = Error;
  const define = Object.defineProperty;
  const keys = Object.keys;
  const stringOf = String;
  const ownDescriptor = Object.getOwnPropertyDescriptor;
  const protoOf = Object.getPrototypeOf;
  const errorProto = ErrorCtor.prototype;

  // Deferred calls not handed to the worker yet: their request lines joined by newlines (a string,
  // not an array: the script may replace Array.prototype's methods, not string concatenation).
  let queued = '';
  let queuedCalls = 0;
  // While the stubs change the queue. The worker's interrupt handler may run between any two
  // steps of the script's code, ours included; it takes the queue only when this is false.
  let busy = false;

  // Also forgets that the worker holds a call: every crossing hands it what is queued here.
  function takeQueued() {
    busy = true;
    const text = queued;
    queued = '';
    queuedCalls = 0;
    busy = false;
    return text;
  }

  // For the worker: null while a stub changes the queue (the interrupt handler tries again later).
  function takeQueuedIfIdle(now) {
    return busy && !now ? null : takeQueued();
  }

  function answered(answer) {
    if (answer === undefined) return undefined;
    const body = parse(answer.slice(1));
    if (answer.charCodeAt(0) === 118 /* v */) return body;
    const error = new ErrorCtor(body.message);
    error.name = body.name;
    error.code = body.code;
    throw error;
  }

  function argsJsonOf(args) {
    let n = args.length;
    while (n > 0 && args[n - 1] === undefined) n--;
    if (n !== args.length) args.length = n;
    return stringify(args);
  }

  function makeStub(index, leaf) {
    const holder = {
      [leaf](...args) {
        const argsJson = argsJsonOf(args);
        const text = takeQueued();
        return answered(text === '' ? hostCall(index, argsJson) : hostCall(index, argsJson, text));
      },
    };
    return holder[leaf];
  }

  function makeDeferredStub(index, leaf) {
    const prefix = index + ':';
    const holder = {
      [leaf](...args) {
        const argsJson = argsJsonOf(args);
        if (queuedCalls === 0) {
          // 'q': the worker holds it (and so knows since when calls wait): keep the next ones here
          const answer = hostCall(index, argsJson);
          if (answer !== 'q') return answered(answer);
          queuedCalls = 1;
          return undefined;
        }
        busy = true;
        queued = queued === '' ? prefix + argsJson : queued + '\n' + prefix + argsJson;
        const more = ++queuedCalls < ${BOOTSTRAP_MAX_QUEUED_CALLS} && queued.length < ${BOOTSTRAP_MAX_QUEUED_CHARS};
        busy = false;
        if (more) return undefined;
        return answered(hostCall(-1, '', takeQueued()));
      },
    };
    return holder[leaf];
  }

  function reserved(name) {
    return new ErrorCtor('the global name "' + name + '" is taken by JavaScript itself; choose another');
  }

  // Ordinary properties: a prelude may wrap or replace them (a device becomes a Proxy).
  const created = new Set();
  function claim(target, name, value) {
    if (target === globalThis && !created.has(name)) {
      if (name in globalThis) throw reserved(name);
      created.add(name);
    }
    define(target, name, { value: value, enumerable: true, writable: true, configurable: true });
  }

  const names = parse(namesJson);
  const deferred = parse(deferredJson);
  for (let i = 0; i < names.length; i++) {
    const parts = names[i].split('.');
    let target = globalThis;
    for (let j = 0; j < parts.length - 1; j++) {
      const part = parts[j];
      if (!(target === globalThis ? created.has(part) : Object.prototype.hasOwnProperty.call(target, part))) {
        claim(target, part, {});
      }
      target = target[part];
    }
    const leaf = parts[parts.length - 1];
    claim(target, leaf, deferred.indexOf(i) >= 0 ? makeDeferredStub(i, leaf) : makeStub(i, leaf));
  }

  const globals = parse(globalsJson);
  for (const key of keys(globals)) {
    if (key in globalThis) throw reserved(key);
    globalThis[key] = globals[key];
  }

  function exportValue(value) {
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    try {
      return stringify(value);
    } catch (_) {
      return undefined;
    }
  }

  // An Error is read through its own data properties holding strings only: getters, toString,
  // Symbol.hasInstance and prototypes are the script's and are never run here.
  function ownString(object, key) {
    const d = ownDescriptor(object, key);
    return d !== undefined && 'value' in d && typeof d.value === 'string' ? d.value : undefined;
  }

  function isError(value) {
    for (let p = value; p !== null && (typeof p === 'object' || typeof p === 'function'); p = protoOf(p)) {
      if (p === errorProto) return true;
    }
    return false;
  }

  function describe(thrown) {
    try {
      if (isError(thrown)) {
        const stack = ownString(thrown, 'stack');
        return stringify({
          name: ownString(thrown, 'name') ?? ownString(protoOf(thrown), 'name') ?? 'Error',
          message: ownString(thrown, 'message') ?? '',
          stack: stack === undefined ? '' : stack,
          code: ownString(thrown, 'code'),
        });
      }
      // Another thrown value is shown as JSON: that may run the script's toJSON, bounded by the
      // operation budget (and, after a stop, by the worker's describing budget).
      let text;
      try {
        text = typeof thrown === 'string' ? thrown : stringify(thrown);
      } catch (_) {
        text = undefined;
      }
      if (text === undefined) text = typeof thrown === 'symbol' || typeof thrown === 'function' ? 'a ' + typeof thrown : 'an object';
      return stringify({ name: 'Error', message: 'uncaught exception: ' + text, stack: '' });
    } catch (_) {
      return '{"name":"Error","message":"uncaught exception (it could not be described)","stack":""}';
    }
  }

  return { exportValue: exportValue, describe: describe, takeQueued: takeQueuedIfIdle };
})`;
