import { describe, expect, it } from 'vitest';
import type { EventDescriptor, RunDocument, RunEvent } from './documents.js';
import { engineFor, runScript } from './run-engine.fixture.js';
import { RunEngine } from './run-engine.js';

const descriptors = (documents: RunDocument[], stream: string) => documents.filter((d): d is EventDescriptor => d.kind === 'descriptor' && d.name === stream);
const events = (documents: RunDocument[], stream: string) => documents.filter((d): d is RunEvent => d.kind === 'event' && d.stream === stream);

describe('configuration in descriptors', () => {
  it('a descriptor carries each source device\'s settings with units; script values have an empty configuration', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(engine, `record('scan', { x: stage.position(), power: power_meter.read(), n: 1 });`);
    expect(stop.exitStatus).toBe('success');
    const [descriptor] = descriptors(documents, 'scan');
    expect(descriptor?.configuration?.['stage']?.data).toMatchObject({ stage_velocity: 10, stage_acceleration: 40 });
    expect(descriptor?.configuration?.['stage']?.dataKeys['stage_velocity']).toEqual({ dtype: 'float64', shape: [], units: 'mm/s', source: 'stage' });
    expect(Object.keys(descriptor?.configuration?.['stage']?.timestamps ?? {})).toEqual(Object.keys(descriptor?.configuration?.['stage']?.data ?? {}));
    expect(descriptor?.configuration?.['power_meter']?.data).toHaveProperty('power_meter_wavelength');
    expect(descriptor?.configuration?.['script']).toEqual({ data: {}, timestamps: {}, dataKeys: {} });
    expect(descriptor?.objectKeys).toEqual({ stage: ['x'], power_meter: ['power'], script: ['n'] });
    expect(descriptor?.hints).toEqual({ stage: { fields: ['x'] }, power_meter: { fields: ['power'] }, script: { fields: ['n'] } });
    await lab.disconnect();
  });

  it('setExposure mid-run: the next frames come under a new descriptor with the new exposure; seq_num goes on', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(
      engine,
      `camera.setRoi({x: 0, y: 0, width: 16, height: 8});
       record('images', { image: camera.snap() });
       record('images', { image: camera.snap() });
       camera.setExposure(0.005);
       record('images', { image: camera.snap() });
       record('other', { n: 1 });
       camera.setExposure(0.005); // the same value again: nothing changed
       record('images', { image: camera.snap() });
       camera.setParameter('gain', 2);
       record('images', { image: camera.snap() });`,
    );
    expect(stop.exitStatus).toBe('success');
    const described = descriptors(documents, 'images');
    expect(described.map((d) => [d.configuration?.['camera']?.data['camera_exposure'], d.configuration?.['camera']?.data['camera_gain']])).toEqual([
      [0.01, 1],
      [0.005, 1],
      [0.005, 2],
    ]);
    expect(new Set(described.map((d) => d.uid)).size).toBe(3);
    expect(described.every((d) => JSON.stringify(d.dataKeys) === JSON.stringify(described[0]?.dataKeys))).toBe(true);
    const taken = events(documents, 'images');
    expect(taken.map((e) => [e.seqNum, described.findIndex((d) => d.uid === e.descriptor), e.data['image_exposure']])).toEqual([
      [1, 0, 0.01],
      [2, 0, 0.01],
      [3, 1, 0.005],
      [4, 1, 0.005],
      [5, 2, 0.005],
    ]);
    // Each descriptor comes after the setter that made it and before its first event.
    const order = documents.filter((d) => (d.kind === 'descriptor' && d.name === 'images') || (d.kind === 'event' && d.stream === 'images')).map((d) => d.kind[0]);
    expect(order.join('')).toBe('deedeede');
    expect(descriptors(documents, 'other')).toHaveLength(1);
    await lab.disconnect();
  });

  it('a device that stops answering does not hold recording: its last configuration stays, with a warning', async () => {
    const { lab, clock } = await engineFor();
    const engine = new RunEngine(lab, clock, { configurationTimeoutS: 0.05 });
    const logs: string[] = [];
    engine.onLog((entry) => logs.push(entry.message));
    const documents: RunDocument[] = [];
    engine.onDocument(({ document }) => documents.push(document));
    const camera = lab.device('camera') as unknown as { getParameter(name: string): Promise<unknown> };
    const real = camera.getParameter.bind(camera);
    let answering = true;
    camera.getParameter = (name) => (answering ? real(name) : new Promise(() => undefined));
    const run = engine.submit({
      scriptName: 'stuck.js',
      source: `record('s', { f: camera.snap() }); camera.setExposure(0.02); record('s', { f: camera.snap() }); record('s', { f: camera.snap() });`,
    });
    // The first descriptor reads the settings; then the camera stops answering setting reads.
    const stopAnswering = engine.onDocument(({ document }) => {
      if (document.kind === 'descriptor') answering = false;
    });
    const stop = await run.done;
    stopAnswering();
    expect(stop.exitStatus).toBe('success');
    expect(events(documents, 's').map((e) => e.seqNum)).toEqual([1, 2, 3]);
    expect(descriptors(documents, 's').map((d) => d.configuration?.['camera']?.data['camera_exposure'])).toEqual([0.01]);
    expect(logs.some((m) => m.includes('camera: settings not read') && m.includes('no answer within 0.05 s'))).toBe(true);
    await lab.disconnect();
  });
});
