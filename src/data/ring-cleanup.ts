/**
 * Which ring files are stale, and removing them. A ring is worth its RAM while a writer uses it,
 * or while a daemon can still recover unfinished runs of its data directory from it (after a
 * crash, or a stop before everything was written). Anything else is stale: a ring closed with
 * everything written, one whose data directory is gone, one that records no data directory and
 * whose writer is dead, a half-created one whose creator died. Files that are not rings are
 * never touched. docs/ring-buffer.md ("Cleaning up") is the user's description.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from './hdf5/catalog.js';
import { listRingFiles, readRingFile, type RingFileInfo, sharedMemoryDir } from './ring/ring-files.js';

/** What to do with a ring file: `in use` and `kept` stay, `stale` may go, `not a ring` is never touched. */
export type RingVerdict = 'in use' | 'kept' | 'stale' | 'not a ring';

/** A ring file with its verdict and the reason for it, in words. */
export interface RingStatus extends RingFileInfo {
  verdict: RingVerdict;
  reason: string;
}

/** The runs of `dataDir`'s catalog whose files are not completely written (a daemon recovers them from the ring). */
export function unfinishedRuns(dataDir: string): number {
  return Catalog.read(join(dataDir, 'catalog.jsonl'))
    .list()
    .filter((entry) => !entry.fileFinished).length;
}

/** The verdict on one ring file. */
export function judgeRing(info: RingFileInfo): RingStatus {
  const judged = (verdict: RingVerdict, reason: string): RingStatus => ({ ...info, verdict, reason });
  if (info.problem !== '') return judged('not a ring', info.problem);
  if (info.partial) return info.writerAlive ? judged('in use', `being created by process ${info.writerPid}`) : judged('stale', `half created: process ${info.writerPid} died while creating it`);
  if (info.writerAlive && !info.closed) return judged('in use', `written by process ${info.writerPid}`);
  const how = info.closed ? 'closed by its writer' : `its writer (process ${info.writerPid}) died`;
  if (info.owner === '') return judged('stale', `${how}; it records no data directory, so no daemon recovers from it`);
  if (!existsSync(info.owner)) return judged('stale', `${how}; its data directory ${info.owner} is gone`);
  let unfinished: number;
  try {
    unfinished = unfinishedRuns(info.owner);
  } catch (error) {
    return judged('kept', `${how}; cannot read the catalog of ${info.owner} (${(error as Error).message}), so it may still be needed`);
  }
  if (unfinished > 0) return judged('kept', `${how}; ${unfinished} run${unfinished === 1 ? '' : 's'} of ${info.owner} not completely written: the next daemon on it recovers them from this ring`);
  return judged('stale', `${how}; every run of ${info.owner} is written`);
}

/** Every ring file in `dir` (default /dev/shm) with its verdict. */
export function ringStatuses(dir = sharedMemoryDir()): RingStatus[] {
  return listRingFiles(dir).map(judgeRing);
}

/** Removes the stale rings of `dir` (default /dev/shm); returns those it removed. */
export function removeStaleRings(dir = sharedMemoryDir()): RingStatus[] {
  const removed: RingStatus[] = [];
  for (const status of ringStatuses(dir)) {
    if (status.verdict !== 'stale') continue;
    // A daemon may have put a new ring in its place since: check again, just before removing.
    let again: RingStatus;
    try {
      again = judgeRing(readRingFile(status.path));
    } catch {
      continue; // gone already
    }
    if (again.verdict !== 'stale' || again.writerPid !== status.writerPid || again.createdS !== status.createdS) continue;
    rmSync(status.path, { force: true });
    removed.push(status);
  }
  return removed;
}
