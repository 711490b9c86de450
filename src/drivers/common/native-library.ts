/**
 * A vendor's C library opened through koffi, for the drivers that bind one (PVCAM, NI-DAQmx):
 * koffi is imported only when such a device connects, the library is opened once per process
 * and path, and a missing koffi or library is `unavailable` with the fix in the message.
 */
import { DaqError } from '../../core/index.js';

/** koffi's module (its default export). */
export type Koffi = Awaited<ReturnType<typeof importKoffi>>;
/** A library opened by koffi. */
export type NativeLibrary = ReturnType<Koffi['load']>;

async function importKoffi() {
  return (await import('koffi')).default;
}

/** What a driver says about its library when it cannot be opened. */
export interface NativeLibraryInfo {
  /** The library (and its driver) as users know it: `PVCAM`, `NI-DAQmx`. */
  name: string;
  /** How to get it: `Install ... or set "library" to ... in the lab config`. */
  install: string;
}

/** Imports koffi and opens `path`; `unavailable` naming what is missing and how to install it. */
export async function openNativeLibrary(path: string, info: NativeLibraryInfo): Promise<{ koffi: Koffi; lib: NativeLibrary }> {
  let koffi: Koffi;
  try {
    koffi = await importKoffi();
  } catch (error) {
    throw new DaqError('unavailable', `the ${info.name} driver needs the koffi package: npm install koffi (${String(error)})`);
  }
  try {
    return { koffi, lib: koffi.load(path) };
  } catch (error) {
    throw new DaqError('unavailable', `cannot load the ${info.name} library "${path}": ${(error as Error).message}. ${info.install}`);
  }
}

/**
 * `bind(path)` once per path and process (a failed one is tried again at the next call: the
 * library may have been installed meanwhile).
 */
export function loadOnce<T>(bind: (path: string) => Promise<T>): (path: string) => Promise<T> {
  const loaded = new Map<string, Promise<T>>();
  return (path) => {
    let api = loaded.get(path);
    if (api === undefined) {
      api = bind(path);
      loaded.set(path, api);
      api.catch(() => loaded.delete(path));
    }
    return api;
  };
}
