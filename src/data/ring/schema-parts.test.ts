/**
 * A stream whose fields changed between runs: every reader gives every row, each under its own
 * run's columns (schema-parts.ts), never a row dropped or a value under another field's name.
 */
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/index.js';
import { RunRecorder } from '../../engine/index.js';
import type { ParamValue } from '../../engine/index.js';
import { createDocumentSink } from './document-sink.js';
import { readRange, RingReader } from './reader.js';
import { ringDirectory } from './ring.fixture.js';
import { RingWriter } from './writer.js';

const path = ringDirectory();

/** Records `rows` as one run into `writer`; returns the run's uid. */
async function run(writer: RingWriter, clock: VirtualClock, rows: Record<string, ParamValue>[]): Promise<string> {
  const sink = createDocumentSink(writer, { clock });
  const recorder = new RunRecorder({ scriptName: 't.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, clock);
  recorder.onDocument((document) => sink.handle({ runUid: recorder.uid, document }));
  recorder.open();
  for (const row of rows) {
    recorder.record('scan', row);
    await clock.advance(0.01);
  }
  recorder.close('success');
  return recorder.uid;
}

async function threeRuns(name: string): Promise<{ reader: RingReader; uids: string[] }> {
  const clock = new VirtualClock({ autoAdvance: false, startS: 1000 });
  const writer = RingWriter.create({ path: path(name), capacityBytes: 1 << 20 });
  const uids = [
    await run(writer, clock, [{ power: 1 }, { power: 2 }, { power: 3 }]),
    await run(writer, clock, [0, 1, 2, 3].map((i) => ({ power: 10 + i, label: `p${i}` }))),
  ];
  return { reader: RingReader.open(path(name)), uids };
}

describe('ring readers and a stream whose fields changed between runs', () => {
  it('latest and range give every row: the union of the columns, null where a run did not record a field', async () => {
    const { reader, uids } = await threeRuns('union');
    const table = reader.latest('scan', 100);
    expect(table.numRows).toBe(7);
    expect(table.schema.fields.map((f) => [f.name, f.nullable])).toEqual([
      ['run_uid', false],
      ['seq_num', false],
      ['time', false],
      ['power', false],
      ['label', true],
    ]);
    expect([...(table.getChild('power') ?? [])]).toEqual([1, 2, 3, 10, 11, 12, 13]);
    expect([...(table.getChild('label') ?? [])]).toEqual([null, null, null, 'p0', 'p1', 'p2', 'p3']);
    expect([...(table.getChild('run_uid') ?? [])]).toEqual([...Array<string>(3).fill(uids[0] as string), ...Array<string>(4).fill(uids[1] as string)]);
    expect([...(reader.latest('scan', 5).getChild('power') ?? [])]).toEqual([3, 10, 11, 12, 13]);
    expect(reader.range('scan', 0, Number.MAX_VALUE).numRows).toBe(7);
    expect(reader.latest('scan', 2).schema.fields.map((f) => f.name)).toEqual(['run_uid', 'seq_num', 'time', 'power', 'label']);
  });

  it('latestParts and readRange give each run\'s rows with their own schema', async () => {
    const { reader } = await threeRuns('parts');
    const parts = reader.latestParts('scan', 100);
    expect(parts.map((t) => [t.numRows, t.schema.fields.map((f) => f.name)])).toEqual([
      [3, ['run_uid', 'seq_num', 'time', 'power']],
      [4, ['run_uid', 'seq_num', 'time', 'power', 'label']],
    ]);
    const streams = readRange(reader.path, 'scan', 0, Number.MAX_VALUE).map((bytes) => tableFromIPC(bytes));
    expect(streams.map((t) => t.numRows)).toEqual([3, 4]);
    expect(readRange(reader.path, 'scan', 0, Number.MAX_VALUE, { lastRows: 4 }).map((bytes) => tableFromIPC(bytes).numRows)).toEqual([4]);
  });

  it('a field whose type changed cannot be one column: latest says which field, the parts still have every row', async () => {
    const clock = new VirtualClock({ autoAdvance: false, startS: 1000 });
    const writer = RingWriter.create({ path: path('conflict'), capacityBytes: 1 << 20 });
    await run(writer, clock, [{ power: 1 }]);
    await run(writer, clock, [{ power: 'high' }]);
    const reader = RingReader.open(path('conflict'));
    expect(() => reader.latest('scan', 10)).toThrow(/stream "scan": field "power" is Float64 in older rows and Utf8 in newer ones/);
    expect(reader.latestParts('scan', 10).map((t) => t.getChild('power')?.get(0))).toEqual([1, 'high']);
  });
});
