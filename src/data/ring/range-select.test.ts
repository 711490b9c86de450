import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { DataKey } from '../../engine/index.js';
import { readRange } from './reader.js';
import { ringDirectory } from './ring.fixture.js';
import { StreamEncoder } from './stream-encoder.js';
import { RingWriter } from './writer.js';

const path = ringDirectory();

const KEYS: Record<string, DataKey> = {
  x: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
  label: { dtype: 'string', shape: [], units: '', source: 'script' },
  image: { dtype: 'uint16', shape: [2, 2], units: 'counts', source: 'camera' },
};

describe('readRange with a selection (what live plots ask for)', () => {
  it('returns the asked columns of the newest rows as one batch, values intact across records and runs', () => {
    const writer = RingWriter.create({ path: path('select'), capacityBytes: 1 << 20 });
    for (const run of ['run-a', 'run-bb']) {
      const encoder = new StreamEncoder({ stream: 'scan', runUid: run, descriptorUid: `d-${run}`, dataKeys: KEYS }, writer);
      for (let seq = 1; seq <= 20; seq++) {
        encoder.add({ seqNum: seq, timeS: (run === 'run-a' ? 100 : 200) + seq, data: { x: seq / 2, label: `p${seq}`, image: { data: new Uint16Array(4), dtype: 'uint16', width: 2, height: 2 } } });
        encoder.flush(); // one record per row, as a slow experiment writes them
      }
    }
    const table = tableFromIPC(readRange(path('select'), 'scan', 0, Number.MAX_VALUE, { fields: ['x', 'label'], lastRows: 25 }));
    expect(table.batches).toHaveLength(1);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['run_uid', 'seq_num', 'time', 'x', 'label']);
    expect(table.schema.fields[3]?.metadata.get('units')).toBe('mm');
    const rows = table.toArray().map((r) => r.toJSON());
    expect(rows).toHaveLength(25);
    expect(rows[0]).toEqual({ run_uid: 'run-a', seq_num: 16n, time: 116, x: 8, label: 'p16' });
    expect(rows[24]).toEqual({ run_uid: 'run-bb', seq_num: 20n, time: 220, x: 10, label: 'p20' });
    const frames = tableFromIPC(readRange(path('select'), 'scan', 215, Number.MAX_VALUE, { withoutFrames: true }));
    expect(frames.schema.fields.map((f) => f.name)).toEqual(['run_uid', 'seq_num', 'time', 'x', 'label']);
    expect(frames.numRows).toBe(6);
    writer.close();
  });
});
