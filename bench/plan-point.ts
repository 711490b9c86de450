/**
 * What one `lineScan` point costs locally (the engine in this process on a VirtualClock, as
 * `daq run --sim-time`), on the lab of `make bench` (`BENCH_LAB`): wall time, CPU of this
 * process's main thread (`/proc/self/task/PID/stat`: where the plan, the devices and the recorder
 * run) and CPU of all its threads, per point ((t_N - t_10) / (N - 10), medians of R rounds).
 *
 * - `--heap FILE`: also samples the main thread's allocations (V8's sampling heap profiler through
 *   `node:inspector`, collected objects included) over one N-point run, prints the bytes per point
 *   by allocating function (and by the first function of `src/` on its stack), and writes the
 *   profile to FILE (`.heapprofile`, readable by Chrome's DevTools).
 * - `--cpu FILE`: also writes a CPU profile of the main thread over one N-point run (for
 *   `node dist/bench/profile-summary.js FILE --per N`).
 *
 * `--script loop` (or `record`) times that script of `make bench` instead of the plan.
 *
 * Usage: node dist/bench/plan-point.js [--points N] [--rounds R] [--heap FILE] [--cpu FILE] [--script plan|loop|record]
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { procCpuS } from './daemon.js';
import { type HeapNode, summarizeHeap } from './heap-summary.js';
import { lab, SCRIPTS } from './script-scan.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const points = Number(option('--points') ?? 10_000);
const rounds = Number(option('--rounds') ?? 5);
const heapFile = option('--heap');
const cpuFile = option('--cpu');
const script = (option('--script') ?? 'plan') as keyof typeof SCRIPTS;
if (!(script in SCRIPTS)) throw new Error(`--script: one of ${Object.keys(SCRIPTS).join(', ')}`);
const SMALL = 10;

const here = await lab();
const mainStat = `/proc/${process.pid}/task/${process.pid}/stat`;

interface Sample {
  wallS: number;
  mainS: number;
  allS: number;
}

async function run(n: number): Promise<Sample> {
  const main0 = await procCpuS(mainStat);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stop = await here.engine.submit({ scriptName: 'bench.js', source: SCRIPTS[script](n) }).done;
  const wallS = (performance.now() - t0) / 1000;
  if (stop.exitStatus !== 'success') throw new Error(`bench script failed: ${stop.reason}`);
  const cpu = process.cpuUsage(cpu0);
  return { wallS, mainS: (await procCpuS(mainStat)) - main0, allS: (cpu.user + cpu.system) / 1e6 };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

await run(SMALL);
await run(points);
const per: Sample[] = [];
for (let r = 0; r < rounds; r++) {
  const a = await run(SMALL);
  const b = await run(points);
  const us = (x: number, y: number): number => ((y - x) / (points - SMALL)) * 1e6;
  per.push({ wallS: us(a.wallS, b.wallS), mainS: us(a.mainS, b.mainS), allS: us(a.allS, b.allS) });
}
const fmt = (key: keyof Sample): string => `${median(per.map((s) => s[key])).toFixed(1)} us (${per.map((s) => s[key].toFixed(1)).join(', ')})`;
process.stdout.write(`${script} local, per point over ${points} points, median of ${rounds}:\n`);
process.stdout.write(`  wall          ${fmt('wallS')}\n  main thread   ${fmt('mainS')}\n  all threads   ${fmt('allS')}\n`);

if (cpuFile !== undefined) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  await run(points);
  const { profile } = await session.post('Profiler.stop');
  await writeFile(cpuFile, JSON.stringify(profile));
  session.disconnect();
  process.stdout.write(`CPU profile of one ${points}-point run: ${cpuFile}\n`);
}

if (heapFile !== undefined) {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  await run(points);
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
  await writeFile(heapFile, JSON.stringify(profile));
  session.disconnect();
  summarizeHeap(profile.head, points, `allocated on the main thread over one ${points}-point run`);
}

await here.lab.disconnect();
