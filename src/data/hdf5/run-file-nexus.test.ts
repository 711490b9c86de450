/**
 * The NeXus side of run files, through the writer as the daemon drives it: the @default chain
 * to an NXdata per stream linked into the NXentry, signal and axes from the run's hints, the
 * NeXus time fields, and the settings a stream's descriptors show changing, logged as NXlog.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataKey } from '../../engine/index.js';
import { ringDirectory } from '../ring/ring.fixture.js';
import { StreamEncoder } from '../ring/stream-encoder.js';
import { RingWriter } from '../ring/writer.js';
import { datasetAt, groupAt, type H5File, loadH5, openH5 } from './h5.js';
import type { DescriptorInfo, FromWorker } from './protocol.js';
import type { RunFileStart } from './run-file.js';
import { RunWriter } from './run-writer.js';

const ring = ringDirectory();
const dir = mkdtempSync(join(tmpdir(), 'ts-daq-nexus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => loadH5());

const SCAN: Record<string, DataKey> = {
  stage: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
  stage_setpoint: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
  power_meter: { dtype: 'float64', shape: [], units: 'W', source: 'power_meter' },
};
const FRAMES: Record<string, DataKey> = {
  image: { dtype: 'uint16', shape: [2, 3], units: 'counts', source: 'camera' },
  image_exposure: { dtype: 'float64', shape: [], units: 's', source: 'camera' },
};

function start(uid: string): RunFileStart {
  const settings = [
    { name: 'exposure', value: 0.01, type: 'number', units: 's', description: 'exposure time' },
    { name: 'mode', value: 'internal', type: 'string', units: '', description: 'trigger mode' },
  ];
  return {
    uid,
    scriptName: 'scan.js',
    scriptSource: 'lineScan(stage, power_meter, {start: 0, stop: 2, num: 3})',
    scriptSha256: 'abc',
    params: {},
    metadata: {},
    lab: 'test lab',
    startTimeS: 1000,
    instrument: [{ device: 'camera', driver: 'sim-camera', state: 'idle', settings, unreadable: [] }],
    plan: { name: 'lineScan', type: 'plan', motors: ['stage'], detectors: ['power_meter'], dimensions: [[['stage'], 'primary']], movables: ['stage'] },
  };
}

function cameraConfig(exposure: number, mode: string, timeS: number): DescriptorInfo['configuration'] {
  return {
    camera: {
      data: { camera_exposure: exposure, camera_mode: mode },
      timestamps: { camera_exposure: timeS, camera_mode: timeS },
      dataKeys: { camera_exposure: { dtype: 'float64', units: 's' }, camera_mode: { dtype: 'string', units: '' } },
    },
  };
}

function attr(file: H5File, path: string, name: string): unknown {
  const object = groupAt(file, path) ?? datasetAt(file, path);
  return object?.attrs[name]?.value;
}

describe('run files as NeXus', () => {
  it('links an NXdata per stream into the entry, plots the detector against the motor, and logs settings that changed', () => {
    const rw = RingWriter.create({ path: ring('nexus'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    const w = new RunWriter({ report: (m) => reports.push(m), flushS: 0, retryS: 0 });
    w.handle({ type: 'follow', ringPath: ring('nexus') });
    const path = join(dir, 'nexus', 'run.h5');
    // The storage announces a run, then may pass its descriptors before the start (the device settings are still being read).
    w.handle({ type: 'announce', uid: 'n1' });
    w.handle({ type: 'descriptor', uid: 'n1', stream: 'primary', timeS: 1000.5, hints: { stage: { fields: ['stage'] }, power_meter: { fields: ['power_meter'] } }, configuration: {} });
    w.handle({ type: 'start', uid: 'n1', path, start: start('n1') });
    const scan = new StreamEncoder({ stream: 'primary', runUid: 'n1', dataKeys: SCAN }, rw);
    for (let seq = 1; seq <= 3; seq++) scan.add({ seqNum: seq, timeS: 1001 + seq, data: { stage: seq - 1, stage_setpoint: seq - 1, power_meter: seq * 1e-3 } });
    scan.flush();
    w.advance();
    // The camera's stream: first at the exposure the script set before it (not the start's), then changed again.
    w.handle({ type: 'descriptor', uid: 'n1', stream: 'frames', timeS: 1005, hints: { camera: { fields: [] } }, configuration: cameraConfig(0.005, 'internal', 1004.5) });
    const frames = new StreamEncoder({ stream: 'frames', runUid: 'n1', dataKeys: FRAMES }, rw);
    const frame = (seq: number, exposureS: number) => ({ seqNum: seq, timeS: 1005 + seq, data: { image: { data: new Uint16Array(6).fill(seq), dtype: 'uint16', width: 3, height: 2 }, image_exposure: exposureS } });
    frames.add(frame(1, 0.005));
    frames.flush();
    w.advance();
    w.handle({ type: 'descriptor', uid: 'n1', stream: 'frames', timeS: 1007, hints: { camera: { fields: [] } }, configuration: cameraConfig(0.002, 'external', 1006.5) });
    frames.add(frame(2, 0.002));
    frames.flush();
    w.handle({ type: 'stop', uid: 'n1', end: { endTimeS: 1010.25, exitStatus: 'success', reason: '', numEvents: { primary: 3, frames: 2 } } });
    for (let i = 0; i < 100 && !w.advance(); i++);
    w.advance();
    expect(reports.find((m) => m.type === 'finished')).toMatchObject({ run: { rows: { primary: 3, frames: 2 } } });

    const file = openH5(path, 'r');
    try {
      expect(attr(file, '/', 'default')).toBe('entry');
      expect(attr(file, 'entry', 'default')).toBe('primary');
      expect(attr(file, 'entry/primary', 'NX_class')).toBe('NXdata');
      expect(attr(file, 'entry/primary', 'signal')).toBe('power_meter');
      expect(attr(file, 'entry/primary', 'axes')).toBe('stage');
      expect(attr(file, 'entry/primary', 'stage_indices')).toBe(0);
      expect(attr(file, 'entry/primary', 'stream')).toBe('primary');
      expect(attr(file, 'entry/primary/power_meter', 'target')).toBe('/entry/data/primary/power_meter'); // a link, NeXus-style
      expect(attr(file, 'entry/data/primary', 'NX_class')).toBe('NXcollection');
      expect(Array.from(datasetAt(file, 'entry/primary/power_meter')?.value as Float64Array)).toEqual([0.001, 0.002, 0.003]); // the same datasets
      expect(attr(file, 'entry/frames', 'signal')).toBe('image');
      expect(attr(file, 'entry/data/frames/seq_num', 'units')).toBe('');
      expect(datasetAt(file, 'entry/start_time')?.value).toBe('1970-01-01T00:16:40.000000Z');
      expect(datasetAt(file, 'entry/end_time')?.value).toBe('1970-01-01T00:16:50.250000Z');
      expect(datasetAt(file, 'entry/title')?.value).toBe('lineScan (scan.js)');

      // The start value stays what it was at run start, and says where its changes are.
      expect(datasetAt(file, 'entry/instrument/camera/exposure')?.value).toBe(0.01);
      expect(attr(file, 'entry/instrument/camera/exposure', 'changed_during_run')).toBe(1);
      expect(attr(file, 'entry/instrument/camera/exposure', 'log')).toBe('exposure_log');
      expect(attr(file, 'entry/instrument/camera/exposure_log', 'NX_class')).toBe('NXlog');
      expect(Array.from(datasetAt(file, 'entry/instrument/camera/exposure_log/value')?.value as Float64Array)).toEqual([0.01, 0.005, 0.002]);
      expect(Array.from(datasetAt(file, 'entry/instrument/camera/exposure_log/time')?.value as Float64Array)).toEqual([0, 4.5, 6.5]);
      expect(attr(file, 'entry/instrument/camera/exposure_log/time', 'start')).toBe('1970-01-01T00:16:40.000000Z');
      expect(attr(file, 'entry/instrument/camera/exposure_log/value', 'units')).toBe('s');
      const mode = datasetAt(file, 'entry/instrument/camera/mode_log/value');
      expect(mode?.value).toEqual(['internal', 'external']);
      expect(mode?.metadata.strpad).toBe(0); // null-terminated: h5dump prints the text alone
      expect(datasetAt(file, 'entry/instrument/camera/mode_log/time')?.value).toEqual(new Float64Array([0, 6.5]));
      expect(Array.from(datasetAt(file, 'entry/data/frames/image_exposure')?.value as Float64Array)).toEqual([0.005, 0.002]);
    } finally {
      file.close();
      rw.close();
    }
  });
});
