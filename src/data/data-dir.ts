/**
 * Creating a data directory (runs, catalog, scripts, logs). One the tools create gets a
 * `.gitignore` that ignores everything in it, so that a data directory inside a checkout is never
 * committed, and eslint.config.js finds it by that file and does not lint the scripts saved there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The first line of the `.gitignore` of a data directory ts-daq created. */
export const DATA_DIR_MARKER = '# ts-daq data directory';

/** Creates `dir` (and its parents) if missing; a directory created here gets the ignore-all `.gitignore`. */
export function createDataDir(dir: string): void {
  const created = mkdirSync(dir, { recursive: true });
  if (created === undefined) return; // it was there: the user's own, left as it is
  try {
    writeFileSync(join(resolve(dir), '.gitignore'), `${DATA_DIR_MARKER}: run files, catalog, saved scripts and logs, not source code.\n*\n`, { flag: 'wx' });
  } catch {
    // read-only or raced: the directory works without it
  }
}
