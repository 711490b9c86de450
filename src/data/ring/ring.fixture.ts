/** Helpers for the ring tests: ring files in a fresh directory (under /dev/shm), removed afterwards. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A directory for this test file's rings, removed after its tests. */
export function ringDirectory(): (name: string) => string {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ts-daq-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name) => join(dir, name);
}

/** The built synthetic-data tool (make build), run in child processes by the stress tests. */
export const SYNTHETIC_CLI = join(import.meta.dirname, '../../../dist/src/data/ring/synthetic-cli.js');

/** Fails with the command to run when the build is missing. */
export function requireBuild(): void {
  if (!existsSync(SYNTHETIC_CLI)) throw new Error(`${SYNTHETIC_CLI} is missing: run \`make build\` first`);
}

/** Resident kB of this process's mappings of `file` (summed over its mappings, from /proc/self/smaps). */
export function residentKb(file: string): number {
  let total = 0;
  let inFile = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(file);
    else if (inFile && line.startsWith('Rss:')) total += Number.parseInt(line.slice(4), 10);
  }
  return total;
}
