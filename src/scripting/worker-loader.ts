/**
 * What it takes to start a sandbox worker: the compiled QuickJS engine (compiled once per
 * process, shared by every worker), and the worker's entry file.
 * How any worker starts from `.js` or `.ts` is src/core/worker-entry.ts.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { DaqError } from '../core/errors.js';
import { type WorkerEntry, workerEntry } from '../core/worker-entry.js';
import { wasmApi, type WasmModule } from './wasm-api.js';

let compiledEngine: Promise<WasmModule> | undefined;

/** The QuickJS WebAssembly module (sync release build), compiled off the event loop, once. */
export function quickjsWasmModule(): Promise<WasmModule> {
  compiledEngine ??= (async () => {
    const path = createRequire(import.meta.url).resolve('@jitl/quickjs-wasmfile-release-sync/wasm');
    return wasmApi.compile(await readFile(path));
  })().catch((error: unknown) => {
    compiledEngine = undefined;
    throw new DaqError('internal', 'could not load the QuickJS engine (@jitl/quickjs-wasmfile-release-sync)', { cause: error });
  });
  return compiledEngine;
}

let entry: WorkerEntry | undefined;

/**
 * Environment variable naming a directory: when set, each script's worker runs under
 * `--cpu-prof` and writes its .cpuprofile there when it ends (a worker does not inherit the
 * daemon's own `--cpu-prof`: it starts with an `execArgv` of its own). For profiling only.
 */
export const WORKER_CPU_PROF_ENV = 'DAQ_SCRIPT_WORKER_CPU_PROF';

/** The sandbox worker's entry (see the module comment). */
export function sandboxWorkerEntry(): WorkerEntry {
  if (entry === undefined) {
    const found = workerEntry(new URL('./sandbox-worker.js', import.meta.url), new URL('./sandbox-worker.ts', import.meta.url));
    const profileDir = process.env[WORKER_CPU_PROF_ENV];
    entry = profileDir ? { ...found, execArgv: [...found.execArgv, '--cpu-prof', '--cpu-prof-dir', profileDir] } : found;
  }
  return entry;
}
