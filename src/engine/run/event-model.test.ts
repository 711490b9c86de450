import { describe, expect, it } from 'vitest';
import type { Frame } from '../../capabilities/index.js';
import type { DataKey, EventDescriptor, RunEvent, RunStart, RunStop } from './documents.js';
import { createEventModelSerializer, fileUri } from './event-model.js';
import { MAX_INLINE_ELEMENTS } from './event-model-keys.js';

const start: RunStart = {
  kind: 'start',
  uid: 'run-1',
  timeS: 1_700_000_000.123456,
  scriptName: 'scan.js',
  scriptSource: 'record("primary", {x: 1})',
  scriptSha256: 'ab'.repeat(32),
  params: { steps: 3 },
  metadata: { sample: 'Si', operator: 'ada', 'bad.key': 1, uid: 'not-the-uid' },
  lab: 'demo',
};

const key = (dtype: DataKey['dtype'], shape: number[], units: string, source: string): DataKey => ({ dtype, shape, units, source });

function descriptor(uid: string, name: string, dataKeys: Record<string, DataKey>, extra: Partial<EventDescriptor> = {}): EventDescriptor {
  return { kind: 'descriptor', uid, runStart: 'run-1', name, timeS: 1_700_000_001, dataKeys, ...extra };
}

function event(descriptorUid: string, stream: string, seqNum: number, data: RunEvent['data']): RunEvent {
  const timestamps = Object.fromEntries(Object.keys(data).map((k) => [k, 1_700_000_002 + seqNum]));
  return { kind: 'event', uid: `ev-${stream}-${seqNum}`, descriptor: descriptorUid, stream, seqNum, timeS: 1_700_000_002 + seqNum, data, timestamps };
}

function frame(width: number, height: number): Frame {
  return { data: new Uint16Array(width * height).map((_, i) => i), dtype: 'uint16', width, height, frameNumber: 7, timestampS: 1_700_000_003, exposureS: 0.005 };
}

const stop: RunStop = { kind: 'stop', uid: 'stop-1', runStart: 'run-1', timeS: 1_700_000_010, exitStatus: 'abort', reason: 'stopped from the CLI', numEvents: { primary: 2 } };

describe('event-model serializer', () => {
  it('writes the start document with Bluesky keys, the script, params and user metadata', () => {
    const [pair] = createEventModelSerializer().toBluesky({ ...start, scanId: 4, planName: 'lineScan', planType: 'plan', hints: { dimensions: [[['stage'], 'primary']] }, motors: ['stage'], detectors: ['meter'] });
    expect(pair?.name).toBe('start');
    expect(pair?.doc).toEqual({
      uid: 'run-1',
      time: 1_700_000_000.123456,
      scan_id: 4,
      plan_name: 'lineScan',
      plan_type: 'plan',
      hints: { dimensions: [[['stage'], 'primary']] },
      motors: ['stage'],
      detectors: ['meter'],
      script_name: 'scan.js',
      script_sha256: 'ab'.repeat(32),
      lab: 'demo',
      params: { steps: 3 },
      sample: 'Si',
      operator: 'ada',
      // Keys Bluesky reserves or refuses (dots) stay out of the top level.
      metadata: { 'bad.key': 1, uid: 'not-the-uid' },
    });
  });

  it('names a script run after its script when the engine gives no plan', () => {
    const [pair] = createEventModelSerializer().toBluesky(start);
    expect(pair?.doc).toMatchObject({ plan_name: 'scan.js', plan_type: 'script' });
    expect(pair?.doc).not.toHaveProperty('scan_id');
  });

  it('maps dtypes to JSON dtypes with numpy dtypes, units, sources and object keys', () => {
    const s = createEventModelSerializer();
    s.toBluesky(start);
    const pairs = s.toBluesky(
      descriptor('d1', 'primary', {
        position: key('float64', [], 'mm', 'stage'),
        counts: key('int32', [], '', 'script'),
        label: key('string', [], '', 'script'),
        ok: key('bool', [], '', 'script'),
        spectrum: key('float64', [4], 'W', 'meter'),
      }),
    );
    expect(pairs.map((p) => p.name)).toEqual(['descriptor']);
    const doc = pairs[0]?.doc as Record<string, unknown>;
    expect(doc['data_keys']).toEqual({
      position: { dtype: 'number', dtype_numpy: '<f8', shape: [], source: 'stage', units: 'mm', object_name: 'stage' },
      counts: { dtype: 'integer', dtype_numpy: '<i4', shape: [], source: 'script' },
      label: { dtype: 'string', shape: [], source: 'script' },
      ok: { dtype: 'boolean', dtype_numpy: '|b1', shape: [], source: 'script' },
      spectrum: { dtype: 'array', dtype_numpy: '<f8', shape: [4], source: 'meter', units: 'W', object_name: 'meter' },
    });
    expect(doc['object_keys']).toEqual({ stage: ['position'], script: ['counts', 'label', 'ok'], meter: ['spectrum'] });
    expect(doc['hints']).toEqual({ stage: { fields: ['position'] }, script: { fields: ['counts'] } });
    expect(doc).toMatchObject({ uid: 'd1', run_start: 'run-1', name: 'primary', time: 1_700_000_001, configuration: {} });
  });

  it('keeps the engine configuration, object keys and hints when it gives them', () => {
    const s = createEventModelSerializer();
    s.toBluesky(start);
    const configuration = { camera: { data: { camera_exposure: 0.005 }, timestamps: { camera_exposure: 1_700_000_000.5 }, dataKeys: { camera_exposure: key('float64', [], 's', 'camera') } } };
    const [pair] = s.toBluesky(descriptor('d1', 'primary', { x: key('float64', [], 'mm', 'stage') }, { configuration, objectKeys: { stage: ['x'] }, hints: { stage: { fields: ['x'] } } }));
    expect(pair?.doc['configuration']).toEqual({
      camera: { data: { camera_exposure: 0.005 }, timestamps: { camera_exposure: 1_700_000_000.5 }, data_keys: { camera_exposure: { dtype: 'number', dtype_numpy: '<f8', shape: [], source: 'camera', units: 's', object_name: 'camera' } } },
    });
    expect(pair?.doc['object_keys']).toEqual({ stage: ['x'] });
  });

  it('events carry exactly uid, time, seq_num, descriptor, data, timestamps and filled', () => {
    const s = createEventModelSerializer();
    s.toBluesky(start);
    s.toBluesky(descriptor('d1', 'primary', { x: key('float64', [], 'mm', 'stage'), tag: key('string', [], '', 'script'), v: key('float64', [3], '', 'script') }));
    const pairs = s.toBluesky(event('d1', 'primary', 1, { x: 1.5, tag: 'a', v: [1, 2, 3] }));
    expect(pairs.map(({ name, doc }) => ({ name, doc }))).toEqual([
      { name: 'event', doc: { uid: 'ev-primary-1', time: 1_700_000_003, seq_num: 1, descriptor: 'd1', data: { x: 1.5, tag: 'a', v: [1, 2, 3] }, timestamps: { x: 1_700_000_003, tag: 1_700_000_003, v: 1_700_000_003 }, filled: {} } },
    ]);
  });

  it('frames are external: a stream_resource into the run file, a stream_datum per event before it', () => {
    const file = '/data/runs/2026-12-07/031500_scan_run-1.h5';
    const s = createEventModelSerializer({ runFile: (doc, uid) => (doc.uid === uid ? file : undefined) });
    s.toBluesky(start);
    const described = s.toBluesky(descriptor('d1', 'images', { image: key('uint16', [3, 2], 'counts', 'camera'), mean: key('float64', [], 'counts', 'script') }));
    expect(described.map((p) => p.name)).toEqual(['descriptor', 'stream_resource']);
    expect(described[0]?.doc['data_keys']).toMatchObject({ image: { dtype: 'array', dtype_numpy: '<u2', shape: [3, 2], external: 'STREAM:', source: 'camera' } });
    const resource = described[1]?.doc as Record<string, unknown>;
    expect(resource).toEqual({
      uid: resource['uid'],
      run_start: 'run-1',
      data_key: 'image',
      mimetype: 'application/x-hdf5',
      uri: `file://localhost${file}`,
      parameters: { dataset: '/entry/data/images/image', chunk_shape: [1, 3, 2], join_method: 'stack', swmr: true },
    });
    const first = s.toBluesky(event('d1', 'images', 1, { image: frame(2, 3), mean: 2.5 }));
    const second = s.toBluesky(event('d1', 'images', 2, { image: frame(2, 3), mean: 2.5 }));
    expect(first.map((p) => p.name)).toEqual(['stream_datum', 'event']);
    expect(first[0]?.doc).toEqual({ uid: `${String(resource['uid'])}/0`, stream_resource: resource['uid'], descriptor: 'd1', seq_nums: { start: 1, stop: 2 }, indices: { start: 0, stop: 1 } });
    expect(second[0]?.doc).toMatchObject({ uid: `${String(resource['uid'])}/1`, seq_nums: { start: 2, stop: 3 }, indices: { start: 1, stop: 2 } });
    // The frame is not in the event: only what is inline.
    expect(first[1]?.doc['data']).toEqual({ mean: 2.5 });
    expect(Object.keys(first[1]?.doc['timestamps'] as object)).toEqual(['mean']);
  });

  it('a new descriptor of a stream (configuration changed) keeps its stream_resource; seq_num goes on', () => {
    const s = createEventModelSerializer({ runFile: () => '/data/run.h5' });
    s.toBluesky(start);
    const image = key('uint16', [3, 2], 'counts', 'camera');
    const first = s.toBluesky(descriptor('d1', 'images', { image }));
    s.toBluesky(event('d1', 'images', 1, { image: frame(2, 3) }));
    const second = s.toBluesky(descriptor('d2', 'images', { image }));
    expect(second.map((p) => p.name)).toEqual(['descriptor']);
    const [datum, ev] = s.toBluesky(event('d2', 'images', 2, { image: frame(2, 3) }));
    expect(datum?.doc).toMatchObject({ stream_resource: first[1]?.doc['uid'], descriptor: 'd2', seq_nums: { start: 2, stop: 3 }, indices: { start: 1, stop: 2 } });
    expect(ev?.doc).toMatchObject({ descriptor: 'd2', seq_num: 2, data: {} });
  });

  it('large arrays are external, small ones inline', () => {
    const s = createEventModelSerializer({ runFile: () => '/data/run.h5' });
    s.toBluesky(start);
    const pairs = s.toBluesky(descriptor('d1', 'spectra', { big: key('float64', [MAX_INLINE_ELEMENTS + 1], '', 'script'), small: key('float64', [MAX_INLINE_ELEMENTS], '', 'script') }));
    expect(pairs.map((p) => p.name)).toEqual(['descriptor', 'stream_resource']);
    expect(pairs[1]?.doc).toMatchObject({ data_key: 'big', parameters: { dataset: '/entry/data/spectra/big', chunk_shape: [1, MAX_INLINE_ELEMENTS + 1] } });
  });

  it('without a run file, frames are left out (no reference to a file that does not exist)', () => {
    const s = createEventModelSerializer();
    s.toBluesky(start);
    const described = s.toBluesky(descriptor('d1', 'images', { image: key('uint16', [3, 2], 'counts', 'camera'), mean: key('float64', [], 'counts', 'script') }));
    expect(described.map((p) => p.name)).toEqual(['descriptor']);
    expect(Object.keys(described[0]?.doc['data_keys'] as object)).toEqual(['mean']);
    expect(described[0]?.doc['object_keys']).toEqual({ script: ['mean'] });
    const [ev] = s.toBluesky(event('d1', 'images', 1, { image: frame(2, 3), mean: 1 }));
    expect(ev?.doc['data']).toEqual({ mean: 1 });
  });

  it('writes the stop document with exit_status, reason and num_events', () => {
    const s = createEventModelSerializer();
    s.toBluesky(start);
    expect(s.toBluesky(stop).map(({ name, doc }) => ({ name, doc }))).toEqual([
      { name: 'stop', doc: { uid: 'stop-1', run_start: 'run-1', time: 1_700_000_010, exit_status: 'abort', reason: 'stopped from the CLI', num_events: { primary: 2 } } },
    ]);
  });

  it('JSON keeps floats floats (1.0, not 1) where the event model says number; integers stay integers', () => {
    const s = createEventModelSerializer();
    s.toBluesky({ ...start, timeS: 1_700_000_000 });
    const configuration = { camera: { data: { camera_exposure: 1, camera_binning: 2 }, timestamps: { camera_exposure: 1_700_000_000, camera_binning: 1_700_000_000 }, dataKeys: { camera_exposure: key('float64', [], 's', 'camera'), camera_binning: key('int32', [], '', 'camera') } } };
    const [described] = s.toBluesky(descriptor('d1', 'primary', { x: key('float64', [], 'mm', 'stage'), n: key('int32', [], '', 'script'), v: key('float64', [2], '', 'script') }, { configuration, timeS: 1_700_000_001 }));
    const parsed = JSON.parse(described?.json ?? '') as unknown;
    expect(parsed).toEqual(described?.doc);
    expect(described?.json).toContain('"time":1700000001.0');
    expect(described?.json).toContain('"data":{"camera_exposure":1.0,"camera_binning":2}');
    expect(described?.json).toContain('"timestamps":{"camera_exposure":1700000000.0,"camera_binning":1700000000.0}');
    const [ev] = s.toBluesky({ ...event('d1', 'primary', 3, { x: 2, n: 2, v: [1, 2.5] }), timeS: 1_700_000_005 });
    expect(ev?.json).toBe(
      '{"uid":"ev-primary-3","time":1700000005.0,"seq_num":3,"descriptor":"d1","data":{"x":2.0,"n":2,"v":[1.0,2.5]},"timestamps":{"x":1700000005.0,"n":1700000005.0,"v":1700000005.0},"filled":{}}',
    );
    const [ended] = s.toBluesky({ ...stop, timeS: 1_700_000_010 });
    expect(ended?.json).toContain('"time":1700000010.0');
    expect(ended?.json).toContain('"num_events":{"primary":2}');
  });

  it('JSON writes NaN and infinities, which JSON cannot carry, as null', () => {
    const s = createEventModelSerializer();
    s.toBluesky(start);
    s.toBluesky(descriptor('d1', 'primary', { x: key('float64', [], '', 'script'), y: key('float64', [], '', 'script') }));
    const [ev] = s.toBluesky(event('d1', 'primary', 1, { x: Number.NaN, y: Number.POSITIVE_INFINITY }));
    expect((JSON.parse(ev?.json ?? '') as { data: unknown }).data).toEqual({ x: null, y: null });
  });

  it('file URIs are file://localhost with the absolute path as it is (tiled does not percent-decode)', () => {
    expect(fileUri('/data/my runs/a.h5')).toBe('file://localhost/data/my runs/a.h5');
  });
});
