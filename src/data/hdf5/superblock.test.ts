import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetAt, h5call, loadH5, openH5 } from './h5.js';
import { clearConsistencyFlags, consistencyFlags, lookup3 } from './superblock.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-daq-superblock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => loadH5());

describe('repairing the superblock a killed writer leaves', () => {
  it('lookup3 gives the published test vectors', () => {
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    expect(lookup3(new TextEncoder().encode('Four score and seven years ago'))).toBe(0x17770551);
  });

  it('a copy of a file open for SWMR writing is refused by HDF5 until its flags are cleared, then it opens with its data', () => {
    const live = join(dir, 'live.h5');
    const file = openH5(live, 'w');
    file.create_dataset({ name: 'x', data: new Float64Array([1, 2, 3]) });
    file.flush();
    file.start_swmr_write();
    const crashed = join(dir, 'crashed.h5');
    copyFileSync(live, crashed); // what a killed process leaves: flags still set
    file.close();
    expect(consistencyFlags(crashed)).toBe(5); // write access + SWMR write
    expect(() => openH5(crashed, 'r')).toThrow(/already open for write/);
    expect(clearConsistencyFlags(crashed)).toBe(true);
    expect(consistencyFlags(crashed)).toBe(0);
    const reopened = openH5(crashed, 'r');
    expect(Array.from(h5call('read', () => datasetAt(reopened, 'x')?.value as Float64Array))).toEqual([1, 2, 3]);
    reopened.close();
    expect(clearConsistencyFlags(crashed)).toBe(false); // nothing left to clear
  });
});
