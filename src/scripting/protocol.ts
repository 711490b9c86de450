/**
 * What the main thread and a script's worker tell each other besides host calls (which go
 * through the channel, see channel.ts): the worker's input, and its one final report.
 * Messages from the worker are either a wake-up for the main thread (the string "w": a request
 * waits in the channel) or a {@link WorkerReport} (an object).
 */
import type { MessagePort } from 'node:worker_threads';
import type { WasmModule } from './wasm-api.js';

/** Everything a worker needs, passed as `workerData`. */
export interface WorkerInput {
  /** The script, already stripped of types. */
  source: string;
  /** The script's file name, as stack traces show it. */
  filename: string;
  /** Dotted names of the host functions; a request names one by its index here. */
  hostNames: string[];
  /** Indexes in `hostNames` of the deferred functions (see `SandboxOptions.deferred`). */
  deferred: number[];
  /** Whether the script's last value is sent back as JSON (see `SandboxOptions.keepValue`). */
  keepValue: boolean;
  /** JSON of an object whose properties become globals. */
  globalsJson: string;
  /** JavaScript run before the script (see `SandboxOptions.prelude`); empty for none. */
  prelude: string;
  /** The channel's SharedArrayBuffer (see channel.ts). */
  channel: SharedArrayBuffer;
  /** Where answers too large for the channel arrive. */
  overflow: MessagePort;
  /** The compiled QuickJS WebAssembly module, shared by all workers. */
  wasmModule: WasmModule;
  /** The run's start, `Date.now()` milliseconds; the channel's deadline counts from it. */
  startEpochMs: number;
  /** Cap of the WebAssembly memory and QuickJS heap, in MiB. */
  maxMemoryMb: number;
  /** QuickJS stack limit, in KiB. */
  maxStackKb: number;
  /** Budget of interrupt ticks. */
  maxOperations: number;
  /** Compiled sources of the worker's own modules when run from `.ts` (see src/core/worker-entry.ts). */
  devSources?: Record<string, string>;
}

/** Why the worker stopped the script by itself. */
export type StopReason = 'maxOperations' | 'wallTimeS' | 'abort';

/** An exception as the script saw it, described inside QuickJS. */
export interface RawScriptError {
  name: string;
  message: string;
  /** QuickJS's stack frames ("    at f (file.js:3:9)" lines), without the header line. */
  stack: string;
  /** The thrown value's `code` when it had a string one. */
  code?: string;
}

/** The worker's final message. */
export type WorkerReport =
  | { type: 'done'; ok: true; valueJson?: string }
  | {
      type: 'done';
      ok: false;
      /**
       * `setup`: building globals failed; `prelude`: the prelude threw; `run`: the script threw;
       * `crash`: the engine itself failed.
       */
      phase: 'setup' | 'prelude' | 'run' | 'crash';
      error: RawScriptError;
      /** Set when the worker stopped the script (interrupt handler, deadline, abort). */
      stop?: StopReason;
      /** Whether the WebAssembly memory had reached its cap. */
      memoryFull: boolean;
    };
