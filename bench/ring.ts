/**
 * Benchmarks of the shared-memory ring buffer (issue: live data plane), against DESIGN.md:
 * - plain memcpy into the shared memory, 1 MiB at a time: the limit of everything below;
 * - ingest of 1 MiB frames through `record()` documents and the document sink (GB/s);
 * - scalar rows in batches (rows/s), and the same rows one `record()` each;
 * - latency from `record()` to a pyarrow batch in another process (Python follow), p50/p99,
 *   when the Python venv exists (`make python`).
 * Rings go to /dev/shm and are removed afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { type Clock, createSystemClock, VirtualClock } from '../src/core/index.js';
import { createDocumentSink, defaultRingPath, mapFile, RingWriter, StreamEncoder } from '../src/data/index.js';
import { RunRecorder } from '../src/engine/index.js';

type Report = (name: string, value: number, unit: string, extra?: string) => void;

const ROOT = join(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.venv/bin/python');
const GiB = 2 ** 30;
const MiB = 2 ** 20;

function ringPath(name: string): string {
  return defaultRingPath().replace(/\.ring$/, `-bench-${name}-${process.pid}.ring`);
}

function recorder(clock: Clock, sinkOf: (r: RunRecorder) => void): RunRecorder {
  const r = new RunRecorder({ scriptName: 'bench.js', scriptSource: '', params: {}, metadata: {}, lab: 'bench' }, clock);
  sinkOf(r);
  r.open();
  return r;
}

/** memcpy of 1 MiB blocks into a mapped /dev/shm file, GB/s. */
function memcpyLimit(): number {
  const path = ringPath('memcpy');
  const mapping = mapFile(path, 'create', 256 * MiB);
  const target = new Uint8Array(mapping.buffer);
  const sources = Array.from({ length: 8 }, (_, i) => new Uint8Array(MiB).fill(i));
  const copy = (blocks: number): void => {
    for (let i = 0; i < blocks; i++) target.set(sources[i % 8] as Uint8Array, (i % 256) * MiB);
  };
  copy(256);
  const t0 = performance.now();
  copy(4096);
  const seconds = (performance.now() - t0) / 1000;
  mapping.unmap();
  rmSync(path, { force: true });
  return (4096 * MiB) / seconds / 1e9;
}

/** 1 MiB frames (512 x 1024 uint16) recorded as events, through the document sink into a 1 GiB ring; GB/s. */
function frameIngest(frames = 4096): number {
  const writer = RingWriter.create({ path: ringPath('frames'), capacityBytes: GiB });
  const clock = createSystemClock();
  const sink = createDocumentSink(writer, { clock });
  const run = recorder(clock, (r) => r.onDocument((document) => sink.handle({ runUid: r.uid, document })));
  const pool = Array.from({ length: 8 }, (_, i) => new Uint16Array(512 * 1024).fill(i));
  const frame = (i: number) => ({ data: pool[i % 8] as Uint16Array, dtype: 'uint16' as const, width: 1024, height: 512, frameNumber: i, timestampS: clock.now(), exposureS: 0.001 });
  for (let i = 0; i < 1100; i++) run.record('frames', { image: frame(i) }); // a lap of the ring first
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) run.record('frames', { image: frame(i) });
  const seconds = (performance.now() - t0) / 1000;
  writer.remove();
  return (frames * MiB) / seconds / 1e9;
}

/** Scalar rows (3 float64 fields plus run uid, seq_num, time) in batches of `batch` rows; rows/s. */
function scalarBatches(rows = 20_000_000, batch = 16_384): number {
  const writer = RingWriter.create({ path: ringPath('scalars'), capacityBytes: 256 * MiB });
  const key = { dtype: 'float64' as const, shape: [], units: 'V', source: 'bench' };
  const encoder = new StreamEncoder({ stream: 'scalars', runUid: '0e7c4d1e-6a55-4b8e-9d0f-3f2a1c9b8e7d', dataKeys: { x: key, y: key, z: key } }, writer);
  const seq = new Float64Array(batch);
  const times = new Float64Array(batch);
  const values = { x: new Float64Array(batch).fill(1), y: new Float64Array(batch).fill(2), z: new Float64Array(batch).fill(3) };
  const write = (n: number): void => {
    for (let done = 0; done < n; done += batch) {
      for (let i = 0; i < batch; i++) seq[i] = done + i + 1;
      times.fill(done);
      encoder.addColumns(batch, seq, times, values);
      encoder.flush();
    }
  };
  write(2_000_000);
  const t0 = performance.now();
  write(rows);
  const seconds = (performance.now() - t0) / 1000;
  writer.remove();
  return rows / seconds;
}

/** The same rows as one `record()` document each, batched by the sink; rows/s. */
function scalarDocuments(rows = 500_000): number {
  const writer = RingWriter.create({ path: ringPath('documents'), capacityBytes: 256 * MiB });
  const clock = new VirtualClock({ autoAdvance: false }); // time stands still: every batch fills to maxRows
  const sink = createDocumentSink(writer, { clock });
  const run = recorder(clock, (r) => r.onDocument((document) => sink.handle({ runUid: r.uid, document })));
  for (let i = 0; i < 50_000; i++) run.record('scalars', { x: i, y: 2, z: 3 });
  const t0 = performance.now();
  for (let i = 0; i < rows; i++) run.record('scalars', { x: i, y: 2, z: 3 });
  sink.flush();
  const seconds = (performance.now() - t0) / 1000;
  writer.remove();
  return rows / seconds;
}

/** record() to a pyarrow batch in a Python process following the ring; seconds, p50 and p99. */
async function pythonLatency(events = 3000): Promise<{ p50: number; p99: number } | undefined> {
  if (!existsSync(PYTHON)) return undefined;
  const path = ringPath('latency');
  const writer = RingWriter.create({ path, capacityBytes: 64 * MiB });
  // CLOCK_MONOTONIC, as Python's time.monotonic(): the time column is comparable across the processes.
  const clock: Clock = { ...createSystemClock(), now: () => Number(process.hrtime.bigint()) / 1e9 };
  const sink = createDocumentSink(writer, { clock });
  const run = recorder(clock, (r) => r.onDocument((document) => sink.handle({ runUid: r.uid, document })));
  const child = spawn(PYTHON, [join(ROOT, 'bench/ring_latency.py'), path, String(events)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  await lines.next(); // "ready"
  for (let i = 0; i < events; i++) {
    run.record('latency', { x: i, y: 2 * i });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const result = JSON.parse(String((await lines.next()).value)) as { p50: number; p99: number };
  writer.remove();
  return result;
}

/** Runs the ring benchmarks and reports their figures. */
export async function runRingBenchmarks(report: Report): Promise<void> {
  const memcpy = memcpyLimit();
  report('ring: plain memcpy, 1 MiB blocks into /dev/shm (the limit)', memcpy, 'GB/s');
  const frames = frameIngest();
  report('ring: ingest of 1 MiB frames (record() -> sink -> ring)', frames, 'GB/s', `target >= 3; ${((frames / memcpy) * 100).toFixed(0)}% of memcpy`);
  const batches = scalarBatches();
  report('ring: scalar rows in batches of 16,384 (3 float64 fields)', batches / 1e6, 'M rows/s', `target >= 5; ${((batches * 80) / 1e9).toFixed(2)} GB/s of columns, 80 bytes a row`);
  report('ring: scalar rows, one record() each (documents, sink)', scalarDocuments() / 1e6, 'M rows/s');
  const latency = await pythonLatency();
  if (latency === undefined) {
    process.stdout.write('ring: record() -> Python pyarrow latency: skipped (no .venv; `make python` creates it)\n');
    return;
  }
  report('ring: record() -> pyarrow batch in Python, p50', latency.p50 * 1000, 'ms', '1,000 events/s');
  report('ring: record() -> pyarrow batch in Python, p99', latency.p99 * 1000, 'ms', 'target <= 2');
}
