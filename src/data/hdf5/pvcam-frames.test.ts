/**
 * A PVCAM camera's frames in the run's HDF5 file have the shape the camera produced: a lab
 * whose `photometrics-pvcam` camera (on the fake libpvcam.so) bins 4x2 from its config, a
 * script that changes the region and the binning mid-run, and the file read back.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../engine/index.js';
import { engineFor, runScript } from '../../engine/run/run-engine.fixture.js';
import { buildFakePvcam } from '../../drivers/photometrics-pvcam/fake-library.fixture.js';
import { createDocumentSink } from '../ring/document-sink.js';
import { ringDirectory } from '../ring/ring.fixture.js';
import { RingWriter } from '../ring/writer.js';
import { datasetAt, loadH5, openH5 } from './h5.js';
import { writeEngineRuns } from './engine-writer.fixture.js';

const fake = buildFakePvcam();
const ring = ringDirectory();
beforeAll(() => loadH5());

describe('PVCAM frames in the HDF5 file', () => {
  const lab = `
[devices.camera]
driver = "photometrics-pvcam"
library = "${fake.library}"
exposure = 0.001
settings = { binning = "4x2" }
`;
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => close?.());

  it('have the binned size of the region, as the camera read them out', async () => {
    const { engine, documents, lab: connected, clock } = await engineFor({ source: lab });
    close = () => connected.disconnect();
    const rw = RingWriter.create({ path: ring('pvcam'), capacityBytes: 16 << 20 });
    createDocumentSink(rw, { clock, maxDelayS: 0.001 }).attach(engine);
    const path = join(fake.dir, 'pvcam.h5');
    const { reports, finish } = writeEngineRuns(engine, ring('pvcam'), path);
    const { run, stop } = await runScript(
      engine,
      `record('full', { image: camera.snap() });
       camera.setRoi({x: 8, y: 4, width: 10, height: 5});
       record('region', { image: camera.snap() });
       camera.setParameter('binning', '2x2');
       record('region2', { image: camera.snap() });
       record('region2', { image: camera.snap() });`,
    );
    expect(stop.exitStatus, stop.reason).toBe('success');
    const events = documents.filter((d): d is RunEvent => d.kind === 'event');
    expect(events.map((e) => e.stream)).toEqual(['full', 'region', 'region2', 'region2']);

    finish(run.uid, stop);
    expect(reports.find((m) => m.type === 'finished')).toMatchObject({ end: { eventsLost: 0 } });
    const file = openH5(path, 'r');
    try {
      // 64 x 48 binned 4 (serial, x) by 2 (parallel, y): 16 wide, 24 high; frames are N x H x W.
      expect(datasetAt(file, 'entry/data/full/image')?.shape).toEqual([1, 24, 16]);
      // 10 x 5 from (8, 4) at 4x2: 2 whole bins across, 2 down.
      expect(datasetAt(file, 'entry/data/region/image')?.shape).toEqual([1, 2, 2]);
      // At 2x2: 5 across, 2 down.
      expect(datasetAt(file, 'entry/data/region2/image')?.shape).toEqual([2, 2, 5]);
    } finally {
      file.close();
      rw.close();
    }
  });
});
