/** The data directory's lock: one process stores runs in a data directory at a time. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaqError, processAlive } from '../../core/index.js';
import { createDataDir } from '../data-dir.js';

/**
 * One process stores runs in a data directory: a second daemon on the same directory would
 * "recover" the first one's running run. `storage.lock` holds the owner's pid; a lock whose
 * process is gone (a killed daemon) is taken over.
 */
export function lockDataDir(dataDir: string, log: (level: 'warn', message: string) => void): void {
  const path = join(dataDir, 'storage.lock');
  createDataDir(dataDir);
  const owner = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : 0;
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
    throw new DaqError('failed_precondition', `the data directory ${dataDir} is in use by another ts-daq process (pid ${owner}); give each daemon its own --data-dir`);
  }
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch (error) {
    log('warn', `cannot lock ${dataDir} (${(error as Error).message}); make sure no other daemon uses it`);
  }
}

export function unlockDataDir(dataDir: string): void {
  const path = join(dataDir, 'storage.lock');
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path, { force: true });
  } catch {
    // not ours or gone
  }
}
