import { type RecordBatch, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { DataKey } from '../../engine/index.js';
import { readRange, RingReader } from './reader.js';
import { ringDirectory } from './ring.fixture.js';
import { rowsOf, toIpcBytes } from './rows.js';
import { StreamEncoder } from './stream-encoder.js';
import { RingWriter } from './writer.js';

const path = ringDirectory();

const KEYS: Record<string, DataKey> = {
  x: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
  label: { dtype: 'string', shape: [], units: '', source: 'script' },
  ok: { dtype: 'bool', shape: [], units: '', source: 'script' },
  spectrum: { dtype: 'float64', shape: [3], units: 'V', source: 'meter' },
  image: { dtype: 'uint16', shape: [2, 3], units: 'counts', source: 'camera' },
  time: { dtype: 'float64', shape: [], units: 's', source: 'script' },
};

function row(seq: number) {
  const image = { data: new Uint16Array([seq, 1, 2, 3, 4, 5]), dtype: 'uint16', width: 3, height: 2 };
  return { seqNum: seq, timeS: 1000 + seq, data: { x: seq * 0.5, label: `p${seq}·µ`, ok: seq % 3 === 0, spectrum: [seq, -seq, 0.25], image, time: seq / 10 } };
}

describe('writing and reading a ring', () => {
  it('every column type comes back as recorded, with units and source in the field metadata', () => {
    const writer = RingWriter.create({ path: path('types'), capacityBytes: 1 << 20 });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'run-1', descriptorUid: 'd-1', dataKeys: KEYS }, writer);
    for (let seq = 1; seq <= 5; seq++) encoder.add(row(seq));
    encoder.flush();
    const table = RingReader.open(path('types')).latest('scan', 5);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'run_uid:Utf8',
      'seq_num:Int64',
      'time:Float64',
      'x:Float64',
      'label:Utf8',
      'ok:Bool',
      'spectrum:FixedSizeList[3]<Float64>',
      'image:FixedSizeBinary[12]',
      'data.time:Float64',
    ]);
    expect(Object.fromEntries(table.schema.fields[7]?.metadata ?? [])).toEqual({ units: 'counts', source: 'camera', dtype: 'uint16', shape: '[2,3]' });
    expect(table.schema.metadata.get('daq.run_uid')).toBe('run-1');
    const rows = table.toArray().map((r) => r.toJSON());
    expect(rows[1]).toMatchObject({ run_uid: 'run-1', seq_num: 2n, time: 1002, x: 1, label: 'p2·µ', ok: false, 'data.time': 0.2 });
    expect([...(table.getChild('spectrum')?.get(1) ?? [])]).toEqual([2, -2, 0.25]);
    expect([...new Uint16Array((table.getChild('image')?.get(4) as Uint8Array).slice().buffer)]).toEqual([5, 1, 2, 3, 4, 5]);
    expect([...(table.getChild('ok')?.toArray() ?? [])]).toEqual([false, false, true, false, false]);
    // As plain rows (what `daq tail` prints) and as IPC bytes (what an RPC sends).
    const batch = table.batches[0] as RecordBatch;
    expect(rowsOf(batch)[2]).toEqual({
      run_uid: 'run-1', seq_num: 3, time: 1003, x: 1.5, label: 'p3·µ', ok: true, spectrum: [3, -3, 0.25],
      image: { frame: { dtype: 'uint16', shape: [2, 3], bytes: 12 } }, 'data.time': 0.3,
    });
    expect(tableFromIPC(toIpcBytes(batch)).getChild('label')?.get(4)).toBe('p5·µ');
    writer.close();
  });

  it('wraps around: the newest rows are always there, the tail follows the head, sequence numbers stay exact', () => {
    const writer = RingWriter.create({ path: path('wrap'), capacityBytes: 64 * 1024 });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'run-1', dataKeys: KEYS }, writer);
    const reader = RingReader.open(path('wrap'));
    let seq = 0;
    for (let record = 0; record < 300; record++) {
      const rows = 1 + (record % 9);
      for (let i = 0; i < rows; i++) encoder.add(row(++seq));
      encoder.flush();
      const latest = reader.latest('scan', 12);
      expect(Array.from(latest.getChild('seq_num')?.toArray() ?? [], Number)).toEqual(Array.from({ length: Math.min(12, seq) }, (_, i) => seq - Math.min(12, seq) + 1 + i));
    }
    expect(writer.bytesWritten).toBeGreaterThan(5 * writer.capacityBytes); // lapped several times
    const all = reader.latest('scan', 1e9);
    const seqs = Array.from(all.getChild('seq_num')?.toArray() ?? [], Number);
    expect(seqs.at(-1)).toBe(seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i)); // contiguous, oldest first
    expect(seqs.length).toBeLessThan(seq); // the oldest are gone
    writer.close();
  });

  it('range gives the rows of a time window across records; readRange gives them as Arrow IPC bytes', () => {
    const writer = RingWriter.create({ path: path('range'), capacityBytes: 1 << 20 });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'run-1', dataKeys: KEYS }, writer);
    for (let seq = 1; seq <= 100; seq++) {
      encoder.add(row(seq));
      if (seq % 7 === 0) encoder.flush();
    }
    encoder.flush();
    const table = RingReader.open(path('range')).range('scan', 1020, 1050);
    expect(Array.from(table.getChild('time')?.toArray() ?? [])).toEqual(Array.from({ length: 30 }, (_, i) => 1020 + i));
    const ipc = tableFromIPC(readRange(path('range'), 'scan', 1095, 2000));
    expect(Array.from(ipc.getChild('seq_num')?.toArray() ?? [], Number)).toEqual([95, 96, 97, 98, 99, 100]);
    expect(tableFromIPC(readRange(path('range'), 'scan', 0, 1)).numRows).toBe(0);
    expect(() => readRange(path('range'), 'nope', 0, 1)).toThrow(/has no stream "nope"; it has scan/);
    writer.close();
  });

  it('zero-copy results are views of the ring: intact() turns false once the writer laps them, copies stay right', () => {
    const writer = RingWriter.create({ path: path('lap'), capacityBytes: 64 * 1024 });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'run-1', dataKeys: KEYS }, writer);
    encoder.add(row(1));
    encoder.flush();
    const zeroCopy = RingReader.open(path('lap'));
    const copying = RingReader.open(path('lap'), { copy: true });
    const view = zeroCopy.latest('scan', 1);
    const copy = copying.latest('scan', 1);
    expect(zeroCopy.intact(view)).toBe(true);
    for (let seq = 2; seq < 400; seq++) {
      encoder.add(row(seq));
      encoder.flush();
    }
    expect(zeroCopy.intact(view)).toBe(false);
    expect(copying.intact(copy)).toBe(true);
    expect(copy.getChild('x')?.get(0)).toBe(0.5);
    expect(zeroCopy.latest('scan', 1).getChild('seq_num')?.get(0)).toBe(399n);
    writer.close();
  });

  it('follow delivers each new batch once, in order, and ends when the writer closes the ring', async () => {
    const writer = RingWriter.create({ path: path('follow'), capacityBytes: 1 << 20 });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'run-1', dataKeys: KEYS }, writer);
    const other = new StreamEncoder({ stream: 'other', runUid: 'run-1', dataKeys: { y: KEYS['x'] as DataKey } }, writer);
    encoder.add(row(1));
    encoder.flush(); // before the reader starts following: not delivered
    const seen: number[] = [];
    const following = (async () => {
      for await (const batch of RingReader.open(path('follow')).follow('scan', { pollS: 0.001 })) seen.push(...Array.from(batch.getChild('seq_num')?.toArray() ?? [], Number));
    })();
    for (let seq = 2; seq <= 40; seq++) {
      encoder.add(row(seq));
      other.add({ seqNum: seq, timeS: seq, data: { y: seq } });
      if (seq % 4 === 0) {
        encoder.flush();
        other.flush();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    encoder.flush();
    writer.close();
    await following;
    expect(seen).toEqual(Array.from({ length: 39 }, (_, i) => i + 2));
  });
});
