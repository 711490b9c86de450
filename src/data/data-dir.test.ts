/** A data directory the tools create is ignored by git (and so by eslint.config.js); one the user made is left alone. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDataDir, DATA_DIR_MARKER } from './data-dir.js';

const checkout = mkdtempSync(join(tmpdir(), 'daq-data-dir-'));
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

/** Whether git, in a repository at `checkout`, ignores `path` (relative to it). */
function gitIgnores(path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', path], { cwd: checkout });
    return true;
  } catch {
    return false;
  }
}

describe('data directories', () => {
  it('one the tools create ignores everything in it, also nested in a checkout', () => {
    execFileSync('git', ['init', '-q'], { cwd: checkout });
    createDataDir(join(checkout, 'lab/daq-data'));
    expect(readFileSync(join(checkout, 'lab/daq-data/.gitignore'), 'utf8').startsWith(DATA_DIR_MARKER)).toBe(true);
    mkdirSync(join(checkout, 'lab/daq-data/scripts'));
    writeFileSync(join(checkout, 'lab/daq-data/scripts/scan.js'), 'stage.moveAbs(1);\n');
    expect(gitIgnores('lab/daq-data/scripts/scan.js')).toBe(true);
    expect(gitIgnores('lab/daq-data/catalog.jsonl')).toBe(true);
    writeFileSync(join(checkout, 'lab/notes.txt'), 'mine');
    expect(gitIgnores('lab/notes.txt')).toBe(false);
  });

  it('one that exists is left as it is', () => {
    mkdirSync(join(checkout, 'mine'));
    createDataDir(join(checkout, 'mine'));
    expect(existsSync(join(checkout, 'mine/.gitignore'))).toBe(false);
  });
});
