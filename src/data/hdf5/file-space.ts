/**
 * Disk space and sizes of run files: the writer refuses a write that would leave the disk
 * almost full (HDF5 does not stop cleanly on a full disk), and counts what a file lacks.
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DaqError } from '../../core/index.js';

/** Bytes the writer leaves free on the disk (a full disk breaks HDF5 writes half way). */
export const RESERVE_BYTES = 4 * 2 ** 20;

/**
 * Refuses (`resource_exhausted`) to write `bytes` to the file at `path` when its disk would keep
 * less than {@link RESERVE_BYTES} free: the writer stops before, keeps its place in the ring, and
 * goes on when space returns.
 */
export function checkSpace(path: string, bytes: number): void {
  let free: number;
  try {
    const fs = statfsSync(dirname(path));
    free = fs.bavail * fs.bsize;
  } catch {
    return; // unknown: let the write tell
  }
  if (free < bytes + RESERVE_BYTES) {
    throw new DaqError('resource_exhausted', `disk full: ${(free / 2 ** 20).toFixed(1)} MiB free on the disk of ${dirname(path)}, ${((bytes + RESERVE_BYTES) / 2 ** 20).toFixed(1)} MiB needed (the writer keeps ${RESERVE_BYTES / 2 ** 20} MiB free)`);
  }
}

/** Size of the file at `path`, bytes; 0 when there is none (yet). */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Events a run recorded (`numEvents`, per stream) that its file does not hold (`rows`): the honest loss count. */
export function eventsLostOf(numEvents: Record<string, number>, rows: Record<string, number>): number {
  return Object.entries(numEvents).reduce((sum, [stream, n]) => sum + Math.max(0, n - (rows[stream] ?? 0)), 0);
}
