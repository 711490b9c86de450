/**
 * Ring files on the machine: where they go, which data directory a daemon's ring belongs to, and
 * what a ring file's header says about it (size, writer, state, owner) without mapping it. The
 * cleanup that decides which rings are stale is data/ring-cleanup.ts; docs/ring-buffer.md
 * ("Cleaning up") describes the rules.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DaqError, processAlive } from '../../core/index.js';
import { H, HEADER_BYTES, OWNER_MAX_BYTES, OWNER_OFFSET, RING_MAGIC, RING_VERSION, STATE_CLOSED } from './layout.js';

/** Where rings go by default: /dev/shm, or the temp directory where there is no /dev/shm. */
export function sharedMemoryDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * The ring of a daemon on `dataDir`: `/dev/shm/ts-daq-<uid>-<hash of the data dir>.ring`. One ring
 * per data directory: a restarted daemon finds (and recovers from) its predecessor's ring, two
 * daemons never share one.
 */
export function daemonRingPath(dataDir: string): string {
  const tag = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8);
  return join(sharedMemoryDir(), `ts-daq-${process.getuid?.() ?? 0}-${tag}.ring`);
}

/** What a ring file's header says, read without mapping the file. */
export interface RingFileInfo {
  path: string;
  /** Size of the file, bytes (what it takes of /dev/shm, i.e. of RAM). */
  sizeBytes: number;
  /** Process id of its writer (0 when unknown). */
  writerPid: number;
  /** Whether a process with that id is running (it may, rarely, be another process that got the id). */
  writerAlive: boolean;
  /** Whether its writer closed it (a clean stop); false while written and after a crash. */
  closed: boolean;
  /** When it was created, seconds since the Unix epoch (0 when unknown). */
  createdS: number;
  /** The data directory whose runs it feeds, '' when the header records none. */
  owner: string;
  /** Why the file is not a ring this version can read ('' when it is one). */
  problem: string;
  /** True for a ring still being created (`<ring>.<pid>.<hex>.tmp`), the pid being its creator's. */
  partial: boolean;
}

/** `ts-daq-*.ring` and the temp files of an unfinished creation (`ts-daq-*.ring.<pid>.<hex>.tmp`). */
const RING_NAME = /^ts-daq-.*\.ring$/;
const PARTIAL_NAME = /^ts-daq-.*\.ring\.(\d+)\.[0-9a-f]+\.tmp$/;

/** Every ring file (and half-created one) in `dir` (default {@link sharedMemoryDir}), by name. */
export function listRingFiles(dir = sharedMemoryDir()): RingFileInfo[] {
  let all: string[];
  try {
    all = readdirSync(dir);
  } catch (error) {
    throw new DaqError('unavailable', `cannot list the ring files in ${dir}: ${(error as Error).message}`);
  }
  const names = all
    .filter((name) => RING_NAME.test(name) || PARTIAL_NAME.test(name))
    .sort();
  const infos: RingFileInfo[] = [];
  for (const name of names) {
    try {
      infos.push(readRingFile(join(dir, name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed meanwhile
    }
  }
  return infos;
}

/** Reads the header of the ring file at `path` (only its first 4 KiB). */
export function readRingFile(path: string): RingFileInfo {
  const partial = PARTIAL_NAME.exec(path.slice(path.lastIndexOf('/') + 1));
  const stat = statSync(path);
  const info: RingFileInfo = { path, sizeBytes: stat.size, writerPid: 0, writerAlive: false, closed: false, createdS: 0, owner: '', problem: '', partial: partial !== null };
  if (partial !== null) {
    info.writerPid = Number(partial[1]);
    info.writerAlive = processAlive(info.writerPid);
    return info;
  }
  if (!stat.isFile()) return { ...info, problem: 'not a regular file' };
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let got = 0;
  try {
    got = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (got < HEADER_BYTES) return { ...info, problem: `${got} bytes, shorter than the ${HEADER_BYTES}-byte header` };
  if (header.toString('latin1', 0, 8) !== RING_MAGIC) return { ...info, problem: `it does not start with ${RING_MAGIC}` };
  const version = header.readUInt32LE(H.version);
  if (version !== RING_VERSION) return { ...info, problem: `layout version ${version}; this version of ts-daq knows ${RING_VERSION}` };
  info.writerPid = Number(header.readBigUInt64LE(H.writerPid));
  info.writerAlive = info.writerPid > 0 && processAlive(info.writerPid);
  info.closed = Number(header.readBigUInt64LE(H.state)) === STATE_CLOSED;
  info.createdS = header.readDoubleLE(H.createdS);
  const ownerBytes = header.readUInt32LE(H.ownerBytes);
  if (ownerBytes > OWNER_MAX_BYTES) return { ...info, problem: `its owner field claims ${ownerBytes} bytes, more than the ${OWNER_MAX_BYTES} it can hold` };
  info.owner = header.toString('utf8', OWNER_OFFSET, OWNER_OFFSET + ownerBytes);
  return info;
}
