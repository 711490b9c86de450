/**
 * Fixed-width strings made null-terminated in the file: HDF5 (h5wasm, and h5dump when it is
 * installed) reads the text without the NUL padding, the file still opens and the data is intact.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetAt, loadH5, openH5 } from './h5.js';
import { addressOf, nullTerminateStrings } from './string-type.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-daq-strings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => loadH5());

function h5dump(args: string[]): string | undefined {
  try {
    return execFileSync('h5dump', args, { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // hdf5-tools not installed (make system)
    throw error;
  }
}

describe('nullTerminateStrings', () => {
  it('turns the padding of fixed-width string datasets to null-terminated, leaving text and numbers intact', () => {
    const path = join(dir, 'labels.h5');
    const file = openH5(path, 'w');
    const group = file.create_group('entry');
    const labels = group.create_dataset({ name: 'label', data: ['p0', 'é1'], shape: [2], maxshape: [null], chunks: [16], dtype: 'S16' });
    for (let i = 0; i < 12; i++) labels.create_attribute(`attribute_${i}`, `value ${i}`); // a longer header
    const other = group.create_dataset({ name: 'note', data: ['x'], shape: [1], dtype: 'S8' });
    group.create_dataset({ name: 'power', data: new Float64Array([1.5, 2.5]) });
    const addresses = [addressOf(labels.create_reference().ref_data), addressOf(other.create_reference().ref_data)];
    file.close();
    expect(nullTerminateStrings(path, addresses)).toBe(2);

    const read = openH5(path, 'a');
    try {
      const label = datasetAt(read, 'entry/label');
      expect(label?.metadata.strpad).toBe(0);
      expect(label?.metadata.cset).toBe(1); // still UTF-8
      expect(label?.value).toEqual(['p0', 'é1']);
      expect(datasetAt(read, 'entry/note')?.metadata.strpad).toBe(0);
      expect(Array.from(datasetAt(read, 'entry/power')?.value as Float64Array)).toEqual([1.5, 2.5]);
      label?.resize([3]);
      label?.write_slice([[2, 3]], ['appended']);
      expect(label?.value).toEqual(['p0', 'é1', 'appended']);
    } finally {
      read.close();
    }
    const dump = h5dump(['-d', '/entry/label', path]);
    if (dump !== undefined) {
      expect(dump).toContain('H5T_STR_NULLTERM');
      expect(dump).toContain('"p0"');
      expect(dump).not.toContain('\\000');
    }
  });

  it('leaves what is not a version 2 object header alone', () => {
    const path = join(dir, 'other.h5');
    openH5(path, 'w').close();
    expect(nullTerminateStrings(path, [0])).toBe(0);
  });
});
