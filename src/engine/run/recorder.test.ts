import { describe, expect, it } from 'vitest';
import type { Frame } from '../../capabilities/index.js';
import { type Clock, createSystemClock, VirtualClock } from '../../core/index.js';
import type { EventDescriptor, RunDocument, RunEvent } from './documents.js';
import { RunRecorder } from './recorder.js';

const INFO = { scriptName: 'scans/fast.js', scriptSource: 'x', params: {}, metadata: {}, lab: 'test' };

function recorderWith(clock: Clock = new VirtualClock()) {
  const recorder = new RunRecorder(INFO, clock);
  const documents: RunDocument[] = [];
  recorder.onDocument((d) => documents.push(d));
  recorder.open();
  return { recorder, documents };
}

describe('run recorder', () => {
  it('gives fast events microsecond-distinct times with the system clock (a millisecond clock gave 8,806 of 20,000)', () => {
    const { recorder, documents } = recorderWith(createSystemClock());
    for (let i = 0; i < 20_000; i++) recorder.record('fast', { i });
    const times = documents.filter((d): d is RunEvent => d.kind === 'event').map((e) => e.timeS);
    expect(times).toHaveLength(20_000);
    expect(new Set(times).size).toBeGreaterThanOrEqual(19_900);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
  });

  it('a frame brings its own exposure as <field>_exposure (s), from the device that took it', () => {
    const { recorder, documents } = recorderWith();
    const frame = (exposureS: number): Frame & { source: string } => ({
      data: new Uint16Array(6),
      dtype: 'uint16',
      width: 3,
      height: 2,
      frameNumber: 0,
      timestampS: 5,
      exposureS,
      source: 'camera',
    });
    recorder.record('img', { image: frame(0.01) });
    recorder.record('img', { image: frame(0.02) });
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor');
    expect(descriptor?.dataKeys['image_exposure']).toEqual({ dtype: 'float64', shape: [], units: 's', source: 'camera' });
    expect(descriptor?.objectKeys).toEqual({ camera: ['image', 'image_exposure'] });
    expect(descriptor?.hints).toEqual({ camera: { fields: [] } }); // nothing to draw as a line
    const events = documents.filter((d): d is RunEvent => d.kind === 'event');
    expect(events.map((e) => [e.data['image_exposure'], e.timestamps['image_exposure']])).toEqual([
      [0.01, 5],
      [0.02, 5],
    ]);
    expect(() => recorder.record('img2', { image: frame(0.01), image_exposure: 1 })).toThrow(/field "image_exposure" is given twice/);
  });

  it('a start document without plan or scan id: a script named after its file, scan ids counted by the process', () => {
    const a = new RunRecorder(INFO, new VirtualClock());
    const b = new RunRecorder({ ...INFO, scanId: 41 }, new VirtualClock());
    expect(a.start).toMatchObject({ planName: 'fast', planType: 'script', motors: [], detectors: [] });
    expect(a.start.scanId).toBeGreaterThanOrEqual(1);
    expect(b.start.scanId).toBe(41);
  });

  it('hints leave out setpoints, strings and arrays; object_keys name every field\'s device', () => {
    const { recorder, documents } = recorderWith();
    recorder.record('primary', {
      stage: { value: 1, units: 'mm', timestampS: 1, source: 'stage' },
      stage_setpoint: { value: 1, units: 'mm', timestampS: 1, source: 'stage' },
      power: { value: 2, units: 'W', timestampS: 1, source: 'meter' },
      note: 'hello',
      trace: [1, 2, 3],
      ratio: 0.5,
    });
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor');
    expect(descriptor?.objectKeys).toEqual({ stage: ['stage', 'stage_setpoint'], meter: ['power'], script: ['note', 'trace', 'ratio'] });
    expect(descriptor?.hints).toEqual({ stage: { fields: ['stage'] }, meter: { fields: ['power'] }, script: { fields: ['ratio'] } });
  });
});
