/**
 * Scripts that passed the check are remembered between commands in the user's cache folder:
 * what one `daq` process adds the next one finds; the file keeps the newest keys; a cache that
 * cannot be written only means the next run checks again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/cleanup.fixture.js';
import { passedChecksFile, passedOnDisk } from './passed-checks.js';

const key = (n: number): string => n.toString(16).padStart(64, '0');

describe('passed checks on disk', () => {
  it('lives in $XDG_CACHE_HOME/ts-daq, or ~/.cache/ts-daq', () => {
    expect(passedChecksFile({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/ts-daq/passed-checks');
    expect(passedChecksFile({})).toMatch(/\/\.cache\/ts-daq\/passed-checks$/);
  });

  it('what one process remembers, the next one knows; the newest 1000 are kept', async () => {
    const file = join(await tempDir('daq-passed-'), 'ts-daq', 'passed-checks');
    const first = passedOnDisk(file);
    expect(first.has(key(1))).toBe(false);
    first.add(key(1));
    expect(passedOnDisk(file).has(key(1))).toBe(true);
    expect(passedOnDisk(file).has(key(2))).toBe(false);
    const many = passedOnDisk(file);
    for (let n = 2; n <= 1001; n++) many.add(key(n));
    const kept = (await readFile(file, 'utf8')).trim().split('\n');
    expect(kept).toHaveLength(1000);
    expect(passedOnDisk(file).has(key(1))).toBe(false);
    expect(passedOnDisk(file).has(key(1001))).toBe(true);
  });

  it('a cache that cannot be written is no error: the script is simply checked next time', async () => {
    const dir = await tempDir('daq-passed-');
    await writeFile(join(dir, 'ts-daq'), 'a file where the folder should be');
    const passed = passedOnDisk(join(dir, 'ts-daq', 'passed-checks'));
    expect(() => passed.add(key(1))).not.toThrow();
    expect(passedOnDisk(join(dir, 'ts-daq', 'passed-checks')).has(key(1))).toBe(false);
  });
});
