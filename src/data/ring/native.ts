/**
 * The memory mapping under the ring buffer: the N-API addon of `native/` (built by `make native`)
 * maps a file MAP_SHARED and returns an ArrayBuffer over it, not a copy, so that every process
 * that maps the file sees the same bytes. `Atomics` on Int32/BigInt64 views of it work across
 * processes; `Atomics.wait` does not (it is not a SharedArrayBuffer), so readers poll.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaqError, type ErrorCode } from '../../core/index.js';

/** How a file is mapped: read-only, read-write, or created (it must not exist) and allocated. */
export type MapMode = 'read' | 'write' | 'create';

/** A mapped file. */
export interface Mapping {
  /** The file's bytes; after {@link Mapping.unmap} it is detached (byteLength 0). */
  readonly buffer: ArrayBuffer;
  /** The file, as given. */
  readonly path: string;
  /** Unmaps at once (otherwise the garbage collector does); views of the buffer become empty. */
  unmap(): void;
  /**
   * Drops this process's pages from the one holding `offset` to the last one that ends by
   * `offset + length`: the file keeps its bytes and a later read maps them again, so this is
   * always safe; it only keeps a reader's resident memory to what it reads now.
   */
  release(offset: number, length: number): void;
}

interface Addon {
  map(path: string, byteLength: number, mode: 0 | 1 | 2): ArrayBuffer;
  unmap(buffer: ArrayBuffer): void;
  release(buffer: ArrayBuffer, offset: number, length: number): void;
  lock(path: string): number;
  unlock(fd: number): void;
}

/** The largest file Node.js 20 can map: external buffers are limited to 4 GiB (bytes). */
export const MAX_MAPPING_BYTES = 2 ** 32;

const ADDON_FILE = 'native/build/Release/ts_daq_mmap.node';
let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon !== undefined) return addon;
  // src/data/ring or dist/src/data/ring: the addon is under the package root, a few levels up.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, 'native', 'binding.gyp')); i++) dir = dirname(dir);
  const file = join(dir, ADDON_FILE);
  if (!existsSync(file)) {
    throw new DaqError('failed_precondition', `the ring buffer's native addon is not built (${file}): run \`make native\` (node-gyp, needs a C compiler)`);
  }
  addon = createRequire(import.meta.url)(file) as Addon;
  return addon;
}

/**
 * Maps `path`. In `create` mode the file must not exist; it is created (mode 0644), allocated
 * to `byteLength` bytes (so a full /dev/shm fails here, not with SIGBUS later) and its pages are
 * populated. Other modes map the whole existing file and ignore `byteLength`.
 * Throws a `DaqError` that names the path and the system's reason.
 */
export function mapFile(path: string, mode: MapMode, byteLength = 0): Mapping {
  const native = loadAddon();
  if (mode === 'create' && !(Number.isSafeInteger(byteLength) && byteLength > 0 && byteLength <= MAX_MAPPING_BYTES)) {
    throw new DaqError('invalid_argument', `cannot create ${path} of ${byteLength} bytes: give 1 byte to 4 GiB`);
  }
  if (mode !== 'create') refuseNonFile(path);
  let buffer: ArrayBuffer;
  try {
    buffer = native.map(path, byteLength, mode === 'read' ? 0 : mode === 'write' ? 1 : 2);
  } catch (error) {
    const errno = (error as { errno?: number }).errno ?? 0;
    throw new DaqError(codeOf(errno), (error as Error).message, { cause: error });
  }
  return { buffer, path, unmap: () => native.unmap(buffer), release: (offset, length) => native.release(buffer, offset, length) };
}

/**
 * Takes an exclusive advisory lock (flock(2)) on `path`, creating the file if needed, without
 * waiting. Returns the release function, or `undefined` when another open file (another
 * process) holds the lock. The system drops the lock when the process ends, however it ends, so
 * a stale lock after a crash or a power cut cannot block anyone.
 */
export function lockFile(path: string): (() => void) | undefined {
  let fd: number;
  try {
    fd = loadAddon().lock(path);
  } catch (error) {
    const errno = (error as { errno?: number }).errno ?? 0;
    throw new DaqError(codeOf(errno), (error as Error).message, { cause: error });
  }
  if (fd < 0) return undefined;
  let held = true;
  return () => {
    if (held) loadAddon().unlock(fd);
    held = false;
  };
}

/** A clear error before the system's for the common mistakes (a directory, a missing file). */
function refuseNonFile(path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return; // let open(2) say why
  }
  if (stats.isDirectory()) throw new DaqError('invalid_argument', `${path} is a directory, not a ring buffer file`);
}

function codeOf(errno: number): ErrorCode {
  switch (errno) {
    case 2: // ENOENT
      return 'not_found';
    case 17: // EEXIST
      return 'already_exists';
    case 1: // EPERM
    case 13: // EACCES
    case 30: // EROFS
      return 'failed_precondition';
    case 28: // ENOSPC
    case 12: // ENOMEM
    case 27: // EFBIG
      return 'resource_exhausted';
    default:
      return 'invalid_argument';
  }
}
