import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataKey } from '../../engine/index.js';
import { ringDirectory } from '../ring/ring.fixture.js';
import { StreamEncoder } from '../ring/stream-encoder.js';
import { RingWriter } from '../ring/writer.js';
import { datasetAt, groupAt, loadH5, openH5 } from './h5.js';
import type { FromWorker } from './protocol.js';
import type { RunFileStart } from './run-file.js';
import { recoverRuns } from './recovery.js';
import { RunWriter } from './run-writer.js';

const ring = ringDirectory();
const dir = mkdtempSync(join(tmpdir(), 'ts-daq-h5-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => loadH5());

const KEYS: Record<string, DataKey> = {
  position: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
  label: { dtype: 'string', shape: [], units: '', source: 'script' },
  ok: { dtype: 'bool', shape: [], units: '', source: 'script' },
  trace: { dtype: 'float64', shape: [3], units: 'V', source: 'scope' },
  image: { dtype: 'uint16', shape: [4, 8], units: 'counts', source: 'camera' },
};

function start(uid: string): RunFileStart {
  return {
    uid,
    scriptName: 'scan.js',
    scriptSource: 'record("scan", {x: 1})',
    scriptSha256: 'abc',
    params: { steps: 3 },
    metadata: { sample: 'Si' },
    lab: 'test lab',
    startTimeS: 1000,
    instrument: [{ device: 'camera', driver: 'sim-camera', state: 'idle', settings: [{ name: 'exposure', value: 0.01, type: 'number', units: 's', description: 'exposure time' }], unreadable: [] }],
  };
}

function event(seq: number) {
  const data = new Uint16Array(32).map((_, i) => seq * 100 + i);
  return { seqNum: seq, timeS: 1000 + seq, data: { position: seq / 2, label: `point ${seq}`, ok: seq % 2 === 0, trace: [seq, 0, -seq], image: { data, dtype: 'uint16', width: 8, height: 4 } } };
}

function writer(reports: FromWorker[], gzip = 0): RunWriter {
  return new RunWriter({ report: (m) => reports.push(m), flushS: 0, retryS: 0, gzip });
}

function until(w: RunWriter): void {
  for (let i = 0; i < 100 && !w.advance(); i++);
  w.advance();
}

describe('the run writer', () => {
  it('writes every event and frame with shape, dtype, units and the device settings, then the end', () => {
    const rw = RingWriter.create({ path: ring('basic'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    const w = writer(reports);
    w.handle({ type: 'follow', ringPath: ring('basic') });
    const path = join(dir, 'basic', 'run.h5');
    w.handle({ type: 'start', uid: 'r1', path, start: start('r1') });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'r1', dataKeys: KEYS }, rw);
    for (let seq = 1; seq <= 5; seq++) {
      encoder.add(event(seq));
      if (seq % 2 === 1) encoder.flush();
    }
    encoder.flush();
    w.handle({ type: 'stop', uid: 'r1', end: { endTimeS: 1010, exitStatus: 'success', reason: '', numEvents: { scan: 5 } } });
    until(w);
    const finished = reports.find((m) => m.type === 'finished');
    expect(finished).toMatchObject({ run: { uid: 'r1', rows: { scan: 5 }, finished: true }, end: { eventsLost: 0, exitStatus: 'success' } });
    const file = openH5(path, 'r');
    try {
      const entry = groupAt(file, 'entry');
      expect(entry?.attrs.NX_class?.value).toBe('NXentry');
      expect(entry?.attrs.exit_status?.value).toBe('success');
      expect(JSON.parse(String(entry?.attrs.params?.value))).toEqual({ steps: 3 });
      const image = datasetAt(file, 'entry/data/scan/image');
      expect(image?.shape).toEqual([5, 4, 8]);
      expect(image?.dtype).toBe('<H');
      expect(image?.attrs.units?.value).toBe('counts');
      expect(Array.from((image?.slice([[2, 3]]) as Uint16Array).subarray(0, 3))).toEqual([300, 301, 302]);
      expect(Array.from(datasetAt(file, 'entry/data/scan/position')?.value as Float64Array)).toEqual([0.5, 1, 1.5, 2, 2.5]);
      expect(datasetAt(file, 'entry/data/scan/trace')?.shape).toEqual([5, 3]);
      expect(datasetAt(file, 'entry/data/scan/label')?.value).toEqual(['point 1', 'point 2', 'point 3', 'point 4', 'point 5']);
      expect(datasetAt(file, 'entry/data/scan/label')?.dtype).toBe('S256');
      expect(Array.from(datasetAt(file, 'entry/data/scan/seq_num')?.value as BigInt64Array, Number)).toEqual([1, 2, 3, 4, 5]);
      const exposure = datasetAt(file, 'entry/instrument/camera/exposure');
      expect(exposure?.value).toBe(0.01);
      expect(exposure?.attrs.units?.value).toBe('s');
    } finally {
      file.close();
      rw.close();
    }
  });

  it('compresses event datasets with gzip when asked, and the data reads back the same', () => {
    const rw = RingWriter.create({ path: ring('gzip'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    const w = writer(reports, 4);
    w.handle({ type: 'follow', ringPath: ring('gzip') });
    const path = join(dir, 'gzip', 'run.h5');
    w.handle({ type: 'start', uid: 'rz', path, start: start('rz') });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'rz', dataKeys: KEYS }, rw);
    for (let seq = 1; seq <= 3; seq++) encoder.add(event(seq));
    encoder.flush();
    w.handle({ type: 'stop', uid: 'rz', end: { endTimeS: 1010, exitStatus: 'success', reason: '', numEvents: { scan: 3 } } });
    until(w);
    const file = openH5(path, 'r');
    try {
      const image = datasetAt(file, 'entry/data/scan/image');
      expect(image?.filters).toEqual([{ id: 1, name: 'deflate', cd_values: [4] }]);
      expect(Array.from((image?.slice([[1, 2]]) as Uint16Array).subarray(0, 2))).toEqual([200, 201]);
    } finally {
      file.close();
      rw.close();
    }
  });

  it('sizes string datasets for the first long strings of a stream', () => {
    const rw = RingWriter.create({ path: ring('strings'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    const w = writer(reports);
    w.handle({ type: 'follow', ringPath: ring('strings') });
    const path = join(dir, 'strings', 'run.h5');
    w.handle({ type: 'start', uid: 'rs', path, start: start('rs') });
    const encoder = new StreamEncoder({ stream: 'notes', runUid: 'rs', dataKeys: { note: { dtype: 'string', shape: [], units: '', source: 'script' } } }, rw);
    const long = 'µ'.repeat(300); // 600 UTF-8 bytes
    encoder.add({ seqNum: 1, timeS: 1, data: { note: long } });
    encoder.add({ seqNum: 2, timeS: 2, data: { note: 'short' } });
    encoder.flush();
    w.handle({ type: 'stop', uid: 'rs', end: { endTimeS: 3, exitStatus: 'success', reason: '', numEvents: { notes: 2 } } });
    until(w);
    const file = openH5(path, 'r');
    try {
      const note = datasetAt(file, 'entry/data/notes/note');
      expect(note?.dtype).toBe('S2048');
      expect(note?.value).toEqual([long, 'short']);
    } finally {
      file.close();
      rw.close();
    }
  });

  it('counts exactly the events the ring overwrote before it wrote them, and writes the rest', () => {
    const rw = RingWriter.create({ path: ring('lapped'), capacityBytes: 64 * 1024 });
    const reports: FromWorker[] = [];
    const w = writer(reports);
    w.handle({ type: 'follow', ringPath: ring('lapped') });
    const path = join(dir, 'lapped', 'run.h5');
    w.handle({ type: 'start', uid: 'r2', path, start: start('r2') });
    const keys = { image: { dtype: 'uint16', shape: [64, 64], units: 'counts', source: 'camera' } as DataKey };
    const encoder = new StreamEncoder({ stream: 'images', runUid: 'r2', dataKeys: keys }, rw);
    // 8 KiB frames into a 64 KiB ring, 40 of them before the writer looks: most are overwritten.
    for (let seq = 1; seq <= 40; seq++) {
      encoder.add({ seqNum: seq, timeS: seq, data: { image: { data: new Uint16Array(64 * 64).fill(seq), dtype: 'uint16', width: 64, height: 64 } } });
      encoder.flush();
    }
    w.handle({ type: 'stop', uid: 'r2', end: { endTimeS: 50, exitStatus: 'success', reason: '', numEvents: { images: 40 } } });
    until(w);
    const finished = reports.find((m) => m.type === 'finished');
    if (finished?.type !== 'finished') throw new Error('not finished');
    const rows = finished.run.rows.images ?? 0;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(40);
    expect(finished.end.eventsLost).toBe(40 - rows);
    const file = openH5(path, 'r');
    try {
      const seqs = Array.from(datasetAt(file, 'entry/data/images/seq_num')?.value as BigInt64Array, Number);
      expect(seqs).toEqual(Array.from({ length: rows }, (_, i) => 41 - rows + i)); // the newest survive
      expect(groupAt(file, 'entry')?.attrs.events_lost?.value).toBe(40 - rows);
    } finally {
      file.close();
      rw.close();
    }
  });

  it('a write of rows kept for batching that fails loses none of them: they are read again from the ring and written once the file can be', () => {
    const rw = RingWriter.create({ path: ring('pending'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    // No flush due for an hour: rows stay pending until the run stops.
    const w = new RunWriter({ report: (m) => reports.push(m), flushS: 3600, retryS: 0 });
    w.handle({ type: 'follow', ringPath: ring('pending') });
    const path = join(dir, 'pending', 'run.h5');
    w.handle({ type: 'start', uid: 'r9', path, start: start('r9') });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'r9', dataKeys: KEYS }, rw);
    const record = (from: number, to: number): void => {
      for (let seq = from; seq <= to; seq++) {
        encoder.add(event(seq));
        encoder.flush();
      }
    };
    record(1, 3);
    until(w); // caught up, the rows kept (no flush due)
    expect((w as unknown as { pendingFrom: number | undefined }).pendingFrom).toBeDefined();
    const runs = (w as unknown as { runs: Map<string, { file?: { writePending(): void } }> }).runs;
    const file = runs.get('r9')?.file;
    expect(file).toBeDefined();
    (file as { writePending(): void }).writePending = () => {
      throw new Error('the disk went away');
    };
    record(4, 6);
    w.handle({ type: 'stop', uid: 'r9', end: { endTimeS: 1010, exitStatus: 'success', reason: '', numEvents: { scan: 6 } } });
    expect(w.advance()).toBe(false); // the write failed: not finished, not caught up
    expect(reports).toContainEqual({ type: 'health', error: expect.stringContaining('the disk went away') as string });
    expect(reports.some((m) => m.type === 'finished')).toBe(false);
    until(w); // the file reopened (without the failure), the ring read again from the first row not written
    expect(reports.at(-1)).toMatchObject({ type: 'finished', run: { rows: { scan: 6 }, error: '' }, end: { eventsLost: 0 } });
    const h5 = openH5(path, 'r');
    try {
      expect(Array.from(datasetAt(h5, 'entry/data/scan/seq_num')?.value as BigInt64Array, Number)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Array.from(datasetAt(h5, 'entry/data/scan/position')?.value as Float64Array)).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    } finally {
      h5.close();
      rw.close();
    }
  });

  it('reports an unwritable run directory at once, keeps its place in the ring, and writes everything when the directory is fixed', () => {
    const rw = RingWriter.create({ path: ring('unwritable'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    const w = writer(reports);
    w.handle({ type: 'follow', ringPath: ring('unwritable') });
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'a file where the run directory should be');
    const path = join(blocked, 'run.h5');
    w.handle({ type: 'start', uid: 'r3', path, start: start('r3') });
    expect(reports).toContainEqual({ type: 'health', error: expect.stringContaining(blocked) as string });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'r3', dataKeys: KEYS }, rw);
    for (let seq = 1; seq <= 4; seq++) {
      encoder.add(event(seq));
      encoder.flush();
    }
    w.handle({ type: 'stop', uid: 'r3', end: { endTimeS: 1010, exitStatus: 'success', reason: '', numEvents: { scan: 4 } } });
    expect(w.advance()).toBe(false); // waiting for the disk, not skipping
    expect(reports.some((m) => m.type === 'finished')).toBe(false);
    rmSync(blocked);
    mkdirSync(blocked);
    until(w);
    expect(reports.at(-1)).toMatchObject({ type: 'finished', run: { rows: { scan: 4 }, error: '' }, end: { eventsLost: 0 } });
    expect(reports).toContainEqual({ type: 'health', error: '' });
    rw.close();
  });

  it('gives up on a run that cannot be written while the disk is fine, says why, and writes the runs after it', () => {
    const rw = RingWriter.create({ path: ring('wedge'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    const w = writer(reports);
    w.handle({ type: 'follow', ringPath: ring('wedge') });
    const bad = join(dir, 'wedge-bad.h5');
    mkdirSync(bad); // a directory where the file should be: this run's own problem, not the disk's
    const good = join(dir, 'wedge-good.h5');
    w.handle({ type: 'start', uid: 'w1', path: bad, start: start('w1') });
    w.handle({ type: 'start', uid: 'w2', path: good, start: start('w2') });
    for (const uid of ['w1', 'w2']) {
      const encoder = new StreamEncoder({ stream: 'scan', runUid: uid, dataKeys: KEYS }, rw);
      for (let seq = 1; seq <= 3; seq++) {
        encoder.add(event(seq));
        encoder.flush();
      }
    }
    for (const uid of ['w1', 'w2']) w.handle({ type: 'stop', uid, end: { endTimeS: 1010, exitStatus: 'success', reason: '', numEvents: { scan: 3 } } });
    until(w);
    const finished = reports.filter((m): m is Extract<FromWorker, { type: 'finished' }> => m.type === 'finished');
    expect(finished.map((m) => m.run.uid).sort()).toEqual(['w1', 'w2']);
    const w1 = finished.find((m) => m.run.uid === 'w1');
    expect(w1?.run.error).toMatch(/the writer gave up on this run after 5 attempts/);
    expect(w1?.end.eventsLost).toBe(3);
    expect(finished.find((m) => m.run.uid === 'w2')).toMatchObject({ run: { rows: { scan: 3 }, error: '' }, end: { eventsLost: 0 } });
    rw.close();
  });

  it('recovers a run left unfinished: what the file lacks comes from the ring, and it ends as "daemon died"', () => {
    const rw = RingWriter.create({ path: ring('recover'), capacityBytes: 1 << 20 });
    const reports: FromWorker[] = [];
    const w = writer(reports);
    w.handle({ type: 'follow', ringPath: ring('recover') });
    const path = join(dir, 'recover', 'run.h5');
    w.handle({ type: 'start', uid: 'r4', path, start: start('r4') });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'r4', dataKeys: KEYS }, rw);
    for (let seq = 1; seq <= 3; seq++) encoder.add(event(seq));
    encoder.flush();
    until(w);
    w.close(); // the writer stops with the run open: the file has 3 rows and no end
    // More than the ring holds of another stream: rows 1-3 are overwritten, so they exist only in the file.
    const filler = new StreamEncoder({ stream: 'other', runUid: 'other', dataKeys: KEYS }, rw);
    for (let seq = 1; seq <= 4000; seq++) {
      filler.add(event(seq));
      filler.flush();
    }
    for (let seq = 4; seq <= 7; seq++) encoder.add(event(seq));
    encoder.flush(); // acquired after the writer stopped: only in the ring
    const results = recoverRuns(ring('recover'), [{ uid: 'r4', path, start: start('r4') }]);
    expect(results).toMatchObject([{ run: { rows: { scan: 7 }, finished: true }, end: { exitStatus: 'fail', reason: 'daemon died', eventsLost: 0, numEvents: { scan: 7 } } }]);
    expect(existsSync(`${path}.broken`), 'the file was reopened, not set aside').toBe(false);
    const file = openH5(path, 'r');
    try {
      expect(Array.from(datasetAt(file, 'entry/data/scan/seq_num')?.value as BigInt64Array, Number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(datasetAt(file, 'entry/data/scan/image')?.shape).toEqual([7, 4, 8]);
      expect(groupAt(file, 'entry')?.attrs.reason?.value).toBe('daemon died');
    } finally {
      file.close();
      rw.close();
    }
  });

  it('recovery finishes every run even when one cannot be finished and a ring record is damaged', () => {
    const rw = RingWriter.create({ path: ring('recover-damaged'), capacityBytes: 1 << 20 });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'r7', dataKeys: KEYS }, rw);
    for (let seq = 1; seq <= 3; seq++) {
      encoder.add(event(seq));
      encoder.flush();
    }
    // Damage the middle record's payload in shared memory (its header stays valid).
    const view = (rw as unknown as { ring: { streamLastPos(id: number): number; recordAt(pos: number): { prevPos: number; payloadLength: number }; payloadOf(h: unknown): Uint8Array } }).ring;
    const middle = view.recordAt(view.recordAt(view.streamLastPos(0)).prevPos);
    view.payloadOf(middle).fill(0xff, 8, middle.payloadLength - 8);
    const unwritable = join(dir, 'recover-damaged-blocked');
    writeFileSync(unwritable, 'a file where a directory should be');
    const results = recoverRuns(ring('recover-damaged'), [
      { uid: 'r6', path: join(unwritable, 'run.h5'), start: start('r6') },
      { uid: 'r7', path: join(dir, 'recover-damaged', 'run.h5'), start: start('r7') },
    ]);
    expect(results).toHaveLength(2);
    expect(results[0]?.run.error).toMatch(/run r6: cannot recover/);
    expect(results[1]).toMatchObject({ run: { rows: { scan: 2 }, finished: true, error: '' }, end: { exitStatus: 'fail', reason: 'daemon died' } });
    rw.close();
  });
});
