/**
 * Benchmarks of the HDF5 writer (issue: storage), against DESIGN.md (>= 200 MB/s sustained,
 * acquisition never blocked, 0 frames lost):
 * - the writer alone: 1 MiB frames (512 x 1024 uint16) from a ring into a run file, MiB/s,
 *   uncompressed and with gzip 1;
 * - the SWMR flush: time of one flush while frames stream in, ms;
 * - the daemon's path: record() -> document sink -> ring -> writer worker -> file, as fast as
 *   record() goes (a flood: the ring is overtaken, losses counted) and paced at a rate (0 lost);
 *   MB/s from the first record to the finished file.
 * Files go to a temp directory on disk (removed afterwards); rings to /dev/shm.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSystemClock, Emitter } from '../src/core/index.js';
import { createDocumentSink, defaultRingPath, RingWriter, RunStorage, StreamEncoder } from '../src/data/index.js';
import { loadH5 } from '../src/data/hdf5/h5.js';
import { RunWriter } from '../src/data/hdf5/run-writer.js';
import { type RunDocumentEvent, RunRecorder } from '../src/engine/index.js';

type Report = (name: string, value: number, unit: string, extra?: string) => void;

const MiB = 2 ** 20;
const WIDTH = 1024;
const HEIGHT = 512;

function ringPath(name: string): string {
  return defaultRingPath().replace(/\.ring$/, `-bench-h5-${name}-${process.pid}.ring`);
}

/** Frames like a camera's: a dark level with noise (so gzip has something to do). */
function framePool(n = 8): Uint16Array[] {
  let seed = 12345;
  return Array.from({ length: n }, () => {
    const data = new Uint16Array(WIDTH * HEIGHT);
    for (let i = 0; i < data.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = 100 + (seed >>> 27);
    }
    return data;
  });
}

const START = { scriptName: 'bench.js', scriptSource: '', scriptSha256: '', params: {}, metadata: {}, lab: 'bench', startTimeS: 0, instrument: [] };

/** The writer alone: frames put in the ring in laps of 256, the writer catching up after each; MiB/s of writer time, and mean flush ms. */
function writerAlone(dir: string, frames: number, gzip: number): { mibS: number; flushMs: number } {
  const ring = RingWriter.create({ path: ringPath(`alone-${gzip}`), capacityBytes: 512 * MiB });
  const pool = framePool();
  const encoder = new StreamEncoder({ stream: 'frames', runUid: 'bench', dataKeys: { image: { dtype: 'uint16', shape: [HEIGHT, WIDTH], units: 'counts', source: 'bench' } } }, ring);
  let clockS = 0;
  const writer = new RunWriter({ report: () => undefined, gzip, flushS: 1000, now: () => clockS });
  writer.handle({ type: 'follow', ringPath: ring.path });
  writer.handle({ type: 'start', uid: 'bench', path: join(dir, `alone-${gzip}.h5`), start: { ...START, uid: 'bench' } });
  let busyMs = 0;
  let seq = 0;
  while (seq < frames) {
    for (let i = 0; i < 256 && seq < frames; i++) {
      seq++;
      encoder.add({ seqNum: seq, timeS: seq, data: { image: { data: pool[seq % pool.length] as Uint16Array, dtype: 'uint16', width: WIDTH, height: HEIGHT } } });
      encoder.flush();
    }
    const t0 = performance.now();
    while (!writer.advance(() => [], 10)); // the fake clock stands still: one step writes the lap
    busyMs += performance.now() - t0;
  }
  // Flush cost: one frame, then a flush, a few times.
  const flushes: number[] = [];
  for (let k = 0; k < 20; k++) {
    seq++;
    encoder.add({ seqNum: seq, timeS: seq, data: { image: { data: pool[0] as Uint16Array, dtype: 'uint16', width: WIDTH, height: HEIGHT } } });
    encoder.flush();
    writer.advance(() => [], 10);
    clockS += 1000; // make the next step flush
    const t0 = performance.now();
    writer.advance(() => [], 10);
    flushes.push(performance.now() - t0);
  }
  writer.handle({ type: 'stop', uid: 'bench', end: { endTimeS: seq, exitStatus: 'success', reason: '', numEvents: { frames: seq } } });
  writer.close();
  ring.remove();
  return { mibS: frames / (busyMs / 1000), flushMs: flushes.reduce((a, b) => a + b, 0) / flushes.length };
}

/** record() -> sink -> ring -> writer worker -> file; `intervalMs` 0 floods. MB/s to the finished file, events lost, record() MB/s. */
async function throughDaemon(dir: string, frames: number, intervalMs: number, ringMiB: number): Promise<{ mbS: number; lost: number; recordMbS: number }> {
  const ring = RingWriter.create({ path: ringPath(`daemon-${intervalMs}`), capacityBytes: ringMiB * MiB });
  const storage = await RunStorage.open({ dataDir: join(dir, `daemon-${intervalMs}`), log: () => undefined });
  const clock = createSystemClock();
  const documents = new Emitter<RunDocumentEvent>();
  const engine = { onDocument: (listener: (event: RunDocumentEvent) => void) => documents.on(listener) };
  createDocumentSink(ring, { clock }).attach(engine);
  storage.follow(ring.path);
  storage.attach(engine, { devices: () => [] });
  const run = new RunRecorder({ scriptName: 'bench.js', scriptSource: '', params: {}, metadata: {}, lab: 'bench' }, clock);
  run.onDocument((document) => documents.emit({ runUid: run.uid, document }));
  run.open();
  const pool = framePool();
  await new Promise((r) => setTimeout(r, 200)); // the file exists
  const t0 = performance.now();
  let recordMs = 0;
  for (let i = 0; i < frames; i++) {
    const r0 = performance.now();
    run.record('frames', { image: { data: pool[i % pool.length] as Uint16Array, dtype: 'uint16', width: WIDTH, height: HEIGHT, frameNumber: i, timestampS: clock.now(), exposureS: 0.001 } });
    recordMs += performance.now() - r0;
    if (intervalMs > 0) {
      const due = t0 + (i + 1) * intervalMs;
      while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now() - 1)));
    } else if (i % 64 === 63) await new Promise((r) => setImmediate(r)); // let the worker's messages in
  }
  run.close('success');
  await storage.close();
  const seconds = (performance.now() - t0) / 1000;
  const entry = storage.run(run.uid);
  ring.remove();
  return { mbS: ((entry?.fileSizeBytes ?? 0) / seconds) / 1e6, lost: entry?.eventsLost ?? -1, recordMbS: (frames * MiB) / (recordMs / 1000) / 1e6 };
}

/** Runs the storage benchmarks, reporting with `report`. */
export async function runStorageBenchmarks(report: Report): Promise<void> {
  await loadH5();
  const dir = mkdtempSync(join(tmpdir(), 'ts-daq-bench-h5-'));
  try {
    const plain = writerAlone(dir, 1024, 0);
    report('hdf5: writer alone, 1 MiB frames, uncompressed', plain.mibS, 'MiB/s', 'target >= 200 MB/s sustained');
    report('hdf5: SWMR flush while frames stream in', plain.flushMs, 'ms', 'at most one a second');
    const gzip = writerAlone(dir, 256, 1);
    report('hdf5: writer alone, 1 MiB frames, gzip 1', gzip.mibS, 'MiB/s', 'noisy camera-like frames');
    const flood = await throughDaemon(dir, 2048, 0, 1024);
    report('hdf5: record() -> ring -> worker -> file, flood', flood.mbS, 'MB/s', `1 GiB ring; ${flood.lost} of 2048 frames overwritten before written (counted); record() itself ${flood.recordMbS.toFixed(0)} MB/s`);
    // Paced, through a ring of 256 frames: 0 lost over 2048 frames means the writer keeps up.
    const paced = await throughDaemon(dir, 2048, 5, 256);
    report('hdf5: record() -> ring -> worker -> file, paced 200 frames/s', paced.mbS, 'MB/s', `256 MiB ring, 2048 frames: ${paced.lost} lost; target >= 200 MB/s, 0 lost`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
