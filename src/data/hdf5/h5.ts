/**
 * The thin layer over `h5wasm` (the HDF5 C library compiled to WebAssembly; its Node build
 * reads and writes the real file system). Files are written in the HDF5 1.10 format
 * (`libver v110`): the oldest that supports SWMR, and one that Debian's `h5dump` 1.10, h5py,
 * HDFView and silx all read. h5wasm reports a file it cannot open with a negative id rather
 * than an exception; {@link openH5} turns that into a {@link DaqError}.
 */
import type * as NodeFs from 'node:fs';
import { createRequire } from 'node:module';
import h5wasm, { type Dataset, type File, type Group } from 'h5wasm/node';
import { DaqError } from '../../core/index.js';

/*
 * HDF5 reports failed writes (a full disk) only by printing its error stack on stderr, which
 * h5wasm's Node build writes with fs.writeSync(2, ...): the calls return success. So every HDF5
 * operation runs in {@link h5call}, which captures what is printed meanwhile and turns it into an
 * exception (and keeps it out of the daemon's log). Outside h5call, stderr is untouched.
 */
const fs = createRequire(import.meta.url)('node:fs') as typeof NodeFs;
let captured: string[] | undefined;
const writeSync = fs.writeSync;
fs.writeSync = function (this: unknown, fd: number, buffer: unknown, ...rest: unknown[]): number {
  if (fd === 2 && captured !== undefined && ArrayBuffer.isView(buffer)) {
    const offset = typeof rest[0] === 'number' ? rest[0] : 0; // in elements of 1 byte (h5wasm passes an Int8Array)
    const length = typeof rest[1] === 'number' ? rest[1] : buffer.byteLength - offset;
    captured.push(Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString());
    return length;
  }
  return (writeSync as (...args: unknown[]) => number).call(this, fd, buffer, ...rest);
} as typeof fs.writeSync;

/** Runs `body` (HDF5 calls); throws `unavailable` with HDF5's own reason when HDF5 reported an error meanwhile. */
export function h5call<T>(what: string, body: () => T): T {
  const outer = captured;
  const lines: string[] = [];
  captured = lines;
  let result: T;
  try {
    result = body();
  } finally {
    captured = outer;
  }
  const text = lines.join('');
  if (text.includes('HDF5-DIAG') || text.includes('error message')) throw new DaqError('unavailable', `${what}: ${reasonOf(text)}`);
  return result;
}

/** The most telling line of an HDF5 error stack: the OS error if any, else the innermost "minor" line. */
function reasonOf(text: string): string {
  const os = /error message = '([^']+)'/.exec(text)?.[1];
  if (os !== undefined) return os;
  const minors = [...text.matchAll(/minor: (.+)/g)].map((m) => (m[1] ?? '').trim());
  const details = [...text.matchAll(/in \w+\(\): (.+)/g)].map((m) => (m[1] ?? '').trim());
  return details.at(-1) ?? minors.at(-1) ?? text.split('\n')[0] ?? 'HDF5 error';
}

export type { Dataset, File as H5File, Group };

/** How to open a file: create (truncate), read-write, SWMR append, read. */
export type H5Mode = 'w' | 'a' | 'Sa' | 'r';

let ready: Promise<void> | undefined;

/** Loads the HDF5 library (once per thread). */
export function loadH5(): Promise<void> {
  ready ??= h5wasm.ready.then(() => undefined);
  return ready;
}

/** Opens `path` in `mode` after {@link loadH5}; refuses with `unavailable` when HDF5 cannot. */
export function openH5(path: string, mode: H5Mode): File {
  const what = `cannot ${mode === 'w' ? 'create' : 'open'} the HDF5 file ${path}`;
  const file = h5call(what, () => new h5wasm.File(path, mode, { libver: ['v110', 'v110'] }));
  if (file.file_id < 0n) throw new DaqError('unavailable', `${what} (directory missing or not writable, disk full, or not an HDF5 file)`);
  return file;
}

/** Sets attributes on an object: strings, numbers and booleans (as 0/1). */
export function setAttrs(target: Group | Dataset, attrs: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (name in target.attrs) target.delete_attribute(name);
    target.create_attribute(name, typeof value === 'boolean' ? Number(value) : value);
  }
}

/** A string attribute, or '' when absent. */
export function stringAttr(target: Group | Dataset, name: string): string {
  const value = name in target.attrs ? target.attrs[name]?.value : undefined;
  return typeof value === 'string' ? value : '';
}

/** The group at `path`, or undefined. */
export function groupAt(file: File, path: string): Group | undefined {
  const entity = file.get(path);
  return entity instanceof h5wasm.Group ? entity : undefined;
}

/** The dataset at `path`, or undefined. */
export function datasetAt(file: File, path: string): Dataset | undefined {
  const entity = file.get(path);
  return entity instanceof h5wasm.Dataset ? entity : undefined;
}
