import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/index.js';
import { type ConfigurationSource, type EventDescriptor, RunRecorder, type RunEvent } from '../../engine/index.js';
import { engineFor, runScript } from '../../engine/run/run-engine.fixture.js';
import { createDocumentSink } from '../ring/document-sink.js';
import { RingReader } from '../ring/reader.js';
import { ringDirectory } from '../ring/ring.fixture.js';
import { RingWriter } from '../ring/writer.js';
import { datasetAt, loadH5, openH5 } from './h5.js';
import { writeEngineRuns } from './engine-writer.fixture.js';

const ring = ringDirectory();
const dir = mkdtempSync(join(tmpdir(), 'ts-daq-descriptors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => loadH5());

describe('a stream whose configuration changes mid-run (a second descriptor)', () => {
  it('every row reaches the ring and the HDF5 file, in order, each frame with its own exposure', async () => {
    const { engine, documents, lab, clock } = await engineFor();
    const rw = RingWriter.create({ path: ring('change'), capacityBytes: 16 << 20 });
    // Fast events batch in the sink: the batch under the first descriptor must still come first.
    createDocumentSink(rw, { clock, maxDelayS: 0.001 }).attach(engine);
    const path = join(dir, 'change.h5');
    const { reports, finish } = writeEngineRuns(engine, ring('change'), path);
    const { run, stop } = await runScript(
      engine,
      `camera.setRoi({x: 0, y: 0, width: 8, height: 4});
       for (let i = 0; i < 20; i++) {
         if (i === 12) camera.setExposure(0.005);
         record('images', { image: camera.snap(), i });
       }`,
    );
    expect(stop.exitStatus).toBe('success');
    const described = documents.filter((d): d is EventDescriptor => d.kind === 'descriptor');
    expect(described.map((d) => d.configuration?.['camera']?.data['camera_exposure'])).toEqual([0.01, 0.005]);
    const events = documents.filter((d): d is RunEvent => d.kind === 'event');
    expect(events.map((e) => e.seqNum)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const table = RingReader.open(ring('change')).latest('images', 100);
    expect(Array.from(table.getChild('seq_num')?.toArray() ?? [], Number)).toEqual(events.map((e) => e.seqNum));
    expect(Array.from(table.getChild('image_exposure')?.toArray() ?? [])).toEqual(events.map((e) => e.data['image_exposure']));

    finish(run.uid, stop);
    expect(reports.find((m) => m.type === 'finished')).toMatchObject({ run: { rows: { images: 20 } }, end: { eventsLost: 0 } });
    const file = openH5(path, 'r');
    try {
      expect(Array.from(datasetAt(file, 'entry/data/images/seq_num')?.value as BigInt64Array, Number)).toEqual(events.map((e) => e.seqNum));
      const exposures = Array.from(datasetAt(file, 'entry/data/images/image_exposure')?.value as Float64Array);
      expect(exposures).toEqual([...Array(12).fill(0.01), ...Array(8).fill(0.005)]);
      expect(datasetAt(file, 'entry/data/images/image_exposure')?.attrs.units?.value).toBe('s');
      expect(datasetAt(file, 'entry/data/images/image')?.shape).toEqual([20, 4, 8]);
    } finally {
      file.close();
      rw.close();
      await lab.disconnect();
    }
  });

  it('rows still waiting in a batch under the old descriptor go to the ring before the new descriptor\'s', () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const rw = RingWriter.create({ path: ring('batched'), capacityBytes: 1 << 20 });
    const sink = createDocumentSink(rw, { clock, maxDelayS: 0.001, minIntervalS: 0.0002 });
    let version = 1;
    const configuration: ConfigurationSource = { current: () => ({ version, configuration: { data: { meter_range: version }, timestamps: {}, dataKeys: {} } }) };
    const recorder = new RunRecorder({ scriptName: 't.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, clock, { configuration });
    recorder.onDocument((document) => sink.handle({ runUid: recorder.uid, document }));
    recorder.open();
    const reading = (value: number) => ({ value, units: 'W', timestampS: clock.now(), source: 'meter' });
    for (let i = 1; i <= 5; i++) recorder.record('s', { p: reading(i) }); // fast: rows 2-5 wait for the batch timer
    version = 2;
    for (let i = 6; i <= 8; i++) recorder.record('s', { p: reading(i) });
    recorder.close('success');
    const table = RingReader.open(ring('batched')).latest('s', 100);
    expect(Array.from(table.getChild('seq_num')?.toArray() ?? [], Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(table.getChild('p')?.toArray() ?? [])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    rw.close();
  });
});
