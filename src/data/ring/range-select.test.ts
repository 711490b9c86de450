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

describe('a damaged ring', () => {
  it('a record pointing back to itself ends the walk with a clear error instead of looping (it looped until out of memory)', () => {
    const writer = RingWriter.create({ path: path('self-loop'), capacityBytes: 1 << 20 });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'run-a', descriptorUid: 'd', dataKeys: { x: KEYS['x'] as DataKey } }, writer);
    for (let seq = 1; seq <= 5; seq++) {
      encoder.add({ seqNum: seq, timeS: 100 + seq, data: { x: seq } });
      encoder.flush();
    }
    const view = (writer as unknown as { ring: { streamLastPos(id: number): number; recordAt(pos: number): { pos: number } & Record<string, number>; writeRecordHeader(h: object, pos: number): void } }).ring;
    const newest = view.streamLastPos(0);
    const { pos, ...header } = view.recordAt(newest);
    view.writeRecordHeader({ ...header, prevPos: pos }, pos);
    expect(() => readRange(path('self-loop'), 'scan', 0, Number.MAX_VALUE)).toThrow(/is damaged: the record of stream "scan" at position \d+ points back to \d+/);
    // forwards is refused too
    view.writeRecordHeader({ ...header, prevPos: pos + 64 }, pos);
    expect(() => readRange(path('self-loop'), 'scan', 0, Number.MAX_VALUE)).toThrow(/is damaged/);
    writer.close();
  });
});
