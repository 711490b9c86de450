/** The data directory's lock: one process stores runs in a data directory at a time. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DaqError } from '../../core/index.js';
import { lockFile } from '../ring/native.js';

/** Locks this process holds, by resolved data directory: [release, holders]. */
const held = new Map<string, { release: () => void; holders: number }>();

/**
 * One process stores runs in a data directory: a second daemon on the same directory would
 * "recover" the first one's running run. `storage.lock` is locked with flock(2), which the
 * system drops when its process ends however it ends: a killed daemon, or a pid reused after a
 * power cut, never blocks the next start. The file also holds the owner's pid, for messages.
 * A process may lock a directory it already holds (its storage reopened).
 */
export function lockDataDir(dataDir: string, log: (level: 'warn', message: string) => void): void {
  const key = resolve(dataDir);
  const path = join(dataDir, 'storage.lock');
  mkdirSync(dataDir, { recursive: true });
  const mine = held.get(key);
  if (mine !== undefined) {
    mine.holders++;
    return;
  }
  let release: (() => void) | undefined;
  try {
    release = lockFile(path);
  } catch (error) {
    log('warn', `cannot lock ${dataDir} (${(error as Error).message}); make sure no other daemon uses it`);
    return;
  }
  if (release === undefined) {
    const owner = readOwner(path);
    throw new DaqError('failed_precondition', `the data directory ${dataDir} is in use by another ts-daq process${owner === '' ? '' : ` (pid ${owner})`}; give each daemon its own --data-dir`);
  }
  held.set(key, { release, holders: 1 });
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch {
    // the lock holds without the note
  }
}

/** Releases this process's lock of `dataDir` (the file stays: deleting it would race a new owner). */
export function unlockDataDir(dataDir: string): void {
  const key = resolve(dataDir);
  const mine = held.get(key);
  if (mine === undefined || --mine.holders > 0) return;
  held.delete(key);
  try {
    writeFileSync(join(dataDir, 'storage.lock'), '');
  } catch {
    // gone: nothing to note
  }
  mine.release();
}

function readOwner(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
