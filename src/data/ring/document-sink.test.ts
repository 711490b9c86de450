import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/index.js';
import { RunRecorder } from '../../engine/index.js';
import type { RunEvent } from '../../engine/index.js';
import { engineFor, runScript } from '../../engine/run/run-engine.fixture.js';
import { createDocumentSink } from './document-sink.js';
import { RingReader } from './reader.js';
import { ringDirectory } from './ring.fixture.js';
import { RingWriter } from './writer.js';

const path = ringDirectory();

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('document sink: run documents into the ring', () => {
  it('a run on the simulated lab lands in the ring: scalars with units and source, frames byte for byte', async () => {
    const { engine, documents, lab, clock } = await engineFor();
    const writer = RingWriter.create({ path: path('run'), capacityBytes: 8 << 20 });
    const sink = createDocumentSink(writer, { clock });
    sink.attach(engine);
    const { run, stop } = await runScript(
      engine,
      `camera.setRoi({x: 0, y: 0, width: 32, height: 16});
       for (let i = 0; i < 5; i++) { stage.moveAbs(i); record('scan', { position: stage.position(), power: power_meter.read(), image: camera.snap() }); }`,
    );
    expect(stop.exitStatus).toBe('success');
    const table = RingReader.open(path('run')).latest('scan', 100);
    expect(table.numRows).toBe(5);
    expect(Object.fromEntries(table.schema.fields.find((f) => f.name === 'power')?.metadata ?? [])).toEqual({ units: 'W', source: 'power_meter', dtype: 'float64', shape: '[]' });
    const events = documents.filter((d): d is RunEvent => d.kind === 'event');
    expect(Array.from(table.getChild('position')?.toArray() ?? [])).toEqual(events.map((e) => e.data['position']));
    expect(Array.from(table.getChild('time')?.toArray() ?? [])).toEqual(events.map((e) => e.timeS));
    expect([...new Set(Array.from({ length: 5 }, (_, i) => table.getChild('run_uid')?.get(i)))]).toEqual([run.uid]);
    const frame = (events[3]?.data['image'] as { data: Uint16Array }).data;
    expect(table.getChild('image')?.get(3)).toEqual(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    expect(sink.stats).toMatchObject({ events: 5, errors: 0 });
    writer.close();
    await lab.disconnect();
  });

  it('a lone event is written at once; fast events wait at most maxDelayS, together; size and stop flush at once', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const writer = RingWriter.create({ path: path('policy'), capacityBytes: 8 << 20 });
    const sink = createDocumentSink(writer, { clock, maxDelayS: 0.001, minIntervalS: 0.0002, maxRows: 256 });
    const recorder = new RunRecorder({ scriptName: 't.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, clock);
    recorder.onDocument((document) => sink.handle({ runUid: recorder.uid, document }));
    recorder.open();
    const reader = RingReader.open(path('policy'));
    const rows = () => (reader.streams().includes('s') ? reader.latest('s', 1e6).numRows : 0);

    recorder.record('s', { x: 1 });
    expect(rows()).toBe(1); // slow data (the first event): waits for nothing
    await clock.advance(0.01);
    recorder.record('s', { x: 2 });
    expect(rows()).toBe(2); // 10 ms later: still slow
    for (let i = 0; i < 100; i++) recorder.record('s', { x: i }); // fast: no time between them
    await turn();
    expect(rows()).toBe(2);
    await clock.advance(0.001);
    expect(rows()).toBe(102); // after maxDelayS, in one record
    expect(writer.records).toBe(3);
    for (let i = 0; i < 600; i++) recorder.record('s', { x: i });
    expect(rows()).toBe(102 + 1 + 512); // the first (1 ms after the last: slow) at once, then two full batches of maxRows
    recorder.close('success');
    expect(rows()).toBe(702); // the stop document flushes the rest
    writer.close();
  });

  it('a stream that cannot go in the ring is reported once; the run and other streams go on', async () => {
    const { engine, lab, clock } = await engineFor();
    const writer = RingWriter.create({ path: path('small'), capacityBytes: 64 * 1024 });
    const errors: string[] = [];
    const sink = createDocumentSink(writer, { clock, onError: (e) => errors.push(e.message) });
    sink.attach(engine);
    const { stop } = await runScript(engine, `for (let i = 0; i < 3; i++) { record('images', { image: camera.snap() }); record('scan', { i }); }`);
    expect(stop.exitStatus).toBe('success');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/-byte record does not fit ring .*records are at most half its 65536 bytes/);
    expect(sink.stats.errors).toBe(3);
    expect(Array.from(RingReader.open(path('small')).latest('scan', 10).getChild('i')?.toArray() ?? [])).toEqual([0, 1, 2]);
    writer.close();
    await lab.disconnect();
  });
});
