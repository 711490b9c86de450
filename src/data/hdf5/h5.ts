/**
 * The thin layer over `h5wasm` (the HDF5 C library compiled to WebAssembly; its Node build
 * reads and writes the real file system). Files are written in the HDF5 1.10 format
 * (`libver v110`): the oldest that supports SWMR, and one that Debian's `h5dump` 1.10, h5py,
 * HDFView and silx all read. h5wasm reports a file it cannot open with a negative id rather
 * than an exception; {@link openH5} turns that into a {@link DaqError}.
 */
import h5wasm, { type Dataset, type File, type Group } from 'h5wasm/node';
import { DaqError } from '../../core/index.js';

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
  const file = new h5wasm.File(path, mode, { libver: ['v110', 'v110'] });
  if (file.file_id < 0n) {
    const what = mode === 'w' ? 'create' : 'open';
    throw new DaqError('unavailable', `cannot ${what} the HDF5 file ${path} (directory missing or not writable, disk full, or not an HDF5 file)`);
  }
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
