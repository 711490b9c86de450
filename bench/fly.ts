/**
 * Benchmark of hardware-timed acquisition (issue 17): a fly scan of the simulated lab in real
 * time, the stage's position-compare output pulsing at 100 Hz and a 1024 x 1024 16-bit
 * `sim-camera` taking a frame on each pulse (exposure 4 ms, readout 4 ms: up to 125 frames/s),
 * run as a script by the run engine (`flyScan(stage, camera, ...)`), every frame recorded
 * through the document sink into a 1 GiB ring in /dev/shm and by the HDF5 writer worker into a
 * run file on disk, as in the daemon. Prints:
 * - frames/s achieved: frames recorded over the time from the first to the last (wall clock);
 * - frames lost: frames not recorded (pulses the camera missed, points the plan dropped because
 *   recording fell 64 points behind) plus frames overwritten in the ring before the writer wrote
 *   them (target 0);
 * - the writer's lag: the most frames recorded but not yet in the file (its size on disk, sampled
 *   every 50 ms; the file grows at each flush, every 0.5 s), in frames and in seconds at the
 *   frame rate, and the time from the last frame to the finished file.
 *
 *   node dist/bench/fly.js [--frames N]        (default 1000 frames: 10 s, 2 GiB)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSystemClock } from '../src/core/index.js';
import { createDocumentSink, defaultRingPath, RingWriter, RunStorage } from '../src/data/index.js';
import { loadH5 } from '../src/data/hdf5/h5.js';
import { Lab, parseLabConfig } from '../src/devices/index.js';
import { DRIVERS } from '../src/drivers/index.js';
import { MAX_PENDING_POINTS, RunEngine } from '../src/engine/index.js';
import { report as printFigure } from './report.js';

type Report = (name: string, value: number, unit: string, extra?: string) => void;

const WIDTH = 1024;
const HEIGHT = 1024;
const FRAME_BYTES = WIDTH * HEIGHT * 2;
const RATE_HZ = 100;
/** Points 0.01 mm apart at 1 mm/s: a pulse every 10 ms. */
const SPACING_MM = 0.01;
const VELOCITY_MM_S = SPACING_MM * RATE_HZ;

const LAB = `
[devices.stage]
driver = "sim-stage"
max = 100
settle_time = 0
settings = { velocity = 20, acceleration = 100 }
[devices.camera]
driver = "sim-camera"
width = ${WIDTH}
height = ${HEIGHT}
exposure = 0.004
readout_time = 0.004
stage = "stage"
stage_centre = 5
pixels_per_unit = 20
`;

/** Runs the fly-scan benchmark with `frames` pulses, reporting with `report`. */
export async function benchFly(report: Report, frames = 1000): Promise<void> {
  await loadH5();
  const dir = mkdtempSync(join(tmpdir(), 'ts-daq-bench-fly-'));
  const ring = RingWriter.create({ path: defaultRingPath().replace(/\.ring$/, `-bench-fly-${process.pid}.ring`), capacityBytes: 2 ** 30 });
  const storage = await RunStorage.open({ dataDir: join(dir, 'data'), log: () => undefined });
  const clock = createSystemClock();
  const lab = Lab.create(parseLabConfig(LAB, 'fly-bench.toml', DRIVERS), DRIVERS, clock);
  try {
    await lab.connect();
    const engine = new RunEngine(lab, clock);
    createDocumentSink(ring, { clock }).attach(engine);
    storage.follow(ring.path);
    storage.attach(engine, { devices: () => lab.devices() });
    let recorded = 0;
    let firstMs = 0;
    let lastMs = 0;
    let runUid = '';
    engine.onDocument(({ runUid: uid, document }) => {
      runUid = uid;
      if (document.kind !== 'event' || document.stream !== 'primary') return;
      lastMs = performance.now();
      if (recorded++ === 0) firstMs = lastMs;
    });
    // The writer's backlog: frames recorded but not yet in the file (its size on disk, which grows at each flush, every 0.5 s).
    let maxBacklog = 0;
    const sizeOf = (file: string | undefined): number => {
      if (file === undefined) return 0;
      try {
        return statSync(isAbsolute(file) ? file : join(dir, 'data', file)).size;
      } catch {
        return 0;
      }
    };
    const sampler = setInterval(() => {
      const written = Math.floor(sizeOf(storage.run(runUid)?.file) / FRAME_BYTES);
      if (recorded > 0) maxBacklog = Math.max(maxBacklog, recorded - written);
    }, 50);
    const stop = 1 + (frames - 1) * SPACING_MM;
    const source = `flyScan(stage, camera, { start: 1, stop: ${stop}, num: ${frames}, velocity: ${VELOCITY_MM_S}, returnPoints: false });`;
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const run = engine.submit({ scriptName: 'fly-bench.js', source });
    const end = await run.done;
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = process.cpuUsage(cpu0);
    const stoppedMs = performance.now();
    // The file is finished once the writer has written every frame and closed it.
    while (storage.run(runUid)?.fileFinished !== true && performance.now() - stoppedMs < 120_000) await new Promise((r) => setTimeout(r, 20));
    const finishedMs = performance.now();
    clearInterval(sampler);
    const entry = storage.run(runUid);
    const missed = frames - recorded;
    const overwritten = entry?.eventsLost ?? -1;
    const fps = recorded > 1 ? (recorded - 1) / ((lastMs - firstMs) / 1000) : 0;
    const warnings = run.summary().exitStatus === 'success' ? '' : `; run ${end.exitStatus}: ${end.reason}`;
    report(`fly scan: 1024x1024 uint16 frames on 100 Hz pulses, frames/s`, fps, 'frames/s', `${recorded} of ${frames} frames recorded, ${((recorded * FRAME_BYTES) / 2 ** 20 / ((lastMs - firstMs) / 1000)).toFixed(0)} MiB/s; target 100${warnings}`);
    report('fly scan: frames lost (not recorded + overwritten in the ring)', missed + overwritten, 'frames', `${missed} not recorded (missed by the camera, or dropped with recording ${MAX_PENDING_POINTS} points behind), ${overwritten} overwritten in the ring before written; target 0`);
    report('fly scan: HDF5 writer lag, most frames behind', maxBacklog, 'frames', `${((maxBacklog / RATE_HZ) * 1000).toFixed(0)} ms at ${RATE_HZ} frames/s; 1 GiB ring holds ${Math.floor(2 ** 30 / FRAME_BYTES)} frames`);
    report('fly scan: main thread busy per frame', elu.active / frames, 'ms', `event loop ${(elu.utilization * 100).toFixed(0)} % busy during the run; the camera's rendering, recording, the ring`);
    report('fly scan: process CPU per frame (all threads)', (cpu.user + cpu.system) / 1000 / frames, 'ms', `load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`);
    report('fly scan: HDF5 file finished after the last frame', (finishedMs - lastMs) / 1000, 's', `file ${((entry?.fileSizeBytes ?? 0) / 2 ** 30).toFixed(2)} GiB`);
  } finally {
    await lab.disconnect();
    await storage.close();
    ring.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const at = process.argv.indexOf('--frames');
  await benchFly(printFigure, at > 0 ? Number(process.argv[at + 1]) : undefined);
}
