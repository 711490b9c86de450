/**
 * Scripts that passed the type check, remembered between `daq` commands in the user's cache
 * folder (`$XDG_CACHE_HOME/ts-daq/passed-checks`, by default `~/.cache/ts-daq/`): `daq run`
 * of a script that passed before (`daq check`, an earlier run with other parameters) against
 * the same lab does not pay the compiler's cold start (about a second) again. One key a line
 * (see `checkKey`); the newest {@link KEPT} are kept. A cache that cannot be read or written
 * only means the check is made.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PassedScripts } from '../scripting/types/index.js';

/** Keys kept in the file. */
const KEPT = 1000;

/** The cache file. */
export function passedChecksFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
  return join(base, 'ts-daq', 'passed-checks');
}

/** The scripts that passed, as remembered in `file`. */
export function passedOnDisk(file = passedChecksFile()): PassedScripts {
  let keys: string[] | undefined;
  const load = (): string[] => {
    if (keys !== undefined) return keys;
    try {
      keys = readFileSync(file, 'utf8').split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line));
    } catch {
      keys = [];
    }
    return keys;
  };
  return {
    has: (key) => load().includes(key),
    add: (key) => {
      const known = load();
      known.push(key);
      try {
        mkdirSync(join(file, '..'), { recursive: true });
        if (known.length > KEPT) writeFileSync(file, `${known.slice(-KEPT).join('\n')}\n`);
        else appendFileSync(file, `${key}\n`);
      } catch {
        // not remembered: the next run checks again
      }
    },
  };
}
