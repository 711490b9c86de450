/**
 * Benchmarks of experiment scripts (issue: scripting):
 * - device-call round trip from a script (sim device, no simulated latency): the interval
 *   between successive calls arriving at the device while the script does nothing else is one
 *   full round trip (script -> worker stub -> daemon thread -> device -> back -> next call);
 * - per-point overhead of a 10,000-point step scan (sim stage + sim power meter, zero simulated
 *   latency), written as a plain script loop and with the lineScan plan, and of record() alone:
 *   (t_N - t_10) / (N - 10), medians of 3 interleaved rounds;
 * - the same scan with QCoDeS (Measurement into sqlite, and a bare set/get loop), when the
 *   bench venv has it;
 * - the same scan run by Bluesky's RunEngine with ophyd.sim devices, when the bench venv exists
 *   (`make bench-venv`), and the ratio.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../src/core/index.js';
import { Lab, parseLabConfig } from '../src/devices/index.js';
import { DRIVERS } from '../src/drivers/index.js';
import { RunEngine } from '../src/engine/index.js';

/** The bench lab: instant simulated devices (also the lab of the daemon benches, ./daemon.ts). */
export const BENCH_LAB = `
[devices.stage]
driver = "sim-stage"
max = 1000
velocity = 1e9
acceleration = 1e15
settle_time = 0
[devices.laser]
driver = "sim-laser"
[devices.power_meter]
driver = "sim-power-meter"
averaging_time = 0
[devices.thermometer]
driver = "sim-thermometer"
`;

/** The bench lab in this process, on a VirtualClock, connected, and a run engine on it. */
export async function lab(): Promise<{ lab: Lab; engine: RunEngine }> {
  const clock = new VirtualClock();
  const theLab = Lab.create(parseLabConfig(BENCH_LAB, 'bench.toml', DRIVERS), DRIVERS, clock);
  await theLab.connect();
  return { lab: theLab, engine: new RunEngine(theLab, clock) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(engine: RunEngine, source: string): Promise<number> {
  const t0 = performance.now();
  const stop = await engine.submit({ scriptName: 'bench.js', source }).done;
  if (stop.exitStatus !== 'success') throw new Error(`bench script failed: ${stop.reason}`);
  return performance.now() - t0;
}

/** A run's wall time and this process's CPU time (all threads: the script's worker too), in seconds. */
async function timed(engine: RunEngine, source: string): Promise<{ wallS: number; cpuS: number }> {
  const cpu0 = process.cpuUsage();
  const wallMs = await run(engine, source);
  const cpu = process.cpuUsage(cpu0);
  return { wallS: wallMs / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Per-point wall and CPU time in microseconds: (t_N - t_small) / (N - small), which removes what
 * a run costs once; medians of `rounds` interleaved rounds (small, N, small, N, ...) after an
 * untimed small run.
 */
export async function perPoint(time: (n: number) => Promise<{ wallS: number; cpuS: number }>, points = 10_000, small = 10, rounds = 3): Promise<{ wallUs: number; cpuUs: number }> {
  await time(small);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = await time(small);
    const b = await time(points);
    walls.push(((b.wallS - a.wallS) / (points - small)) * 1e6);
    cpus.push(((b.cpuS - a.cpuS) / (points - small)) * 1e6);
  }
  return { wallUs: median(walls), cpuUs: median(cpus) };
}

/** The scripts of the scan benches, here and through the daemon (./daemon.ts). */
export const SCRIPTS = {
  plan: (n: number) => `lineScan(stage, power_meter, { start: 0, stop: 500, num: ${n} });`,
  loop: (n: number) => `for (let i = 0; i < ${n}; i++) {
  stage.moveAbs(i * 0.05);
  record('scan', { stage: stage.position(), power_meter: power_meter.read() });
}`,
  record: (n: number) => `for (let i = 0; i < ${n}; i++) record('r', { i });`,
};

/**
 * The times (`performance.now()`, ms) at which the bench lab's thermometer is asked for its
 * temperature, from now on: the array is filled as the calls arrive (empty it between runs).
 */
export function thermometerCallTimes(theLab: Lab): number[] {
  const device = theLab.device('thermometer') as unknown as { temperature: () => Promise<number> };
  const original = device.temperature.bind(device);
  const arrivals: number[] = [];
  device.temperature = () => {
    arrivals.push(performance.now());
    return original();
  };
  return arrivals;
}

/** Round trip of one device call from a script, p50 and p99 in microseconds. */
export async function deviceCallRoundTrip(calls = 20_000): Promise<{ p50: number; p99: number }> {
  const { lab: theLab, engine } = await lab();
  const arrivals = thermometerCallTimes(theLab);
  await run(engine, `for (let i = 0; i < 2000; i++) thermometer.temperature();`);
  arrivals.length = 0;
  await run(engine, `for (let i = 0; i < ${calls}; i++) thermometer.temperature();`);
  await theLab.disconnect();
  const intervals = arrivals.slice(1).map((t, i) => (t - (arrivals[i] as number)) * 1000).sort((a, b) => a - b);
  return { p50: percentile(intervals, 50), p99: percentile(intervals, 99) };
}

/** A figure of {@link perPoint}: wall and CPU microseconds per point. */
export interface PerPoint {
  wallUs: number;
  cpuUs: number;
}

/**
 * Per-point time of a 10,000-point step scan from a script in this process (the engine and the
 * script's worker thread, as `daq run --config`): the loop, the lineScan plan, and a loop of
 * record() alone (per record, 20,000 records), each by {@link perPoint}.
 */
export async function scriptScan(points = 10_000): Promise<{ loop: PerPoint; plan: PerPoint; record: PerPoint }> {
  const { lab: theLab, engine } = await lab();
  const loop = await perPoint((n) => timed(engine, SCRIPTS.loop(n)), points);
  const plan = await perPoint((n) => timed(engine, SCRIPTS.plan(n)), points);
  const record = await perPoint((n) => timed(engine, SCRIPTS.record(n)), 20_000);
  await theLab.disconnect();
  return { loop, plan, record };
}

/** Bluesky's per-point time for the same scan, or undefined without the bench venv. */
export function blueskyScan(points = 10_000): { perPointUs: number; versions: string } | undefined {
  const python = 'build/bench-venv/bin/python';
  if (!existsSync(python)) return undefined;
  const out = execFileSync(python, ['bench/bluesky/step_scan.py', '--points', String(points)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { tool?: string; events?: number; per_point_us?: number; bluesky?: string; ophyd?: string };
  if (result.tool !== 'bluesky' || result.events !== points || !(Number(result.per_point_us) > 0)) {
    throw new Error(`unexpected output of bench/bluesky/step_scan.py: ${out}`);
  }
  return { perPointUs: Number(result.per_point_us), versions: `bluesky ${result.bluesky}, ophyd ${result.ophyd}` };
}

/** QCoDeS' per-point times for the same scan (Measurement into sqlite, and the bare set/get loop), or undefined without the bench venv. */
export function qcodesScan(points = 10_000): { measurementUs: number; measurementCpuUs: number; bareUs: number; bareCpuUs: number; version: string } | undefined {
  const python = 'build/bench-venv/bin/python';
  if (!existsSync(python)) return undefined;
  let out: string;
  try {
    out = execFileSync(python, ['bench/qcodes/step_scan.py', '--points', String(points)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
  } catch (error) {
    // A venv made before QCoDeS was added to it (`make bench-venv` remakes it).
    if (String((error as { stderr?: string }).stderr).includes("No module named 'qcodes'")) return undefined;
    throw error;
  }
  const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    tool?: string;
    qcodes?: string;
    results?: number;
    measurement_per_point_us?: number;
    measurement_cpu_per_point_us?: number;
    bare_per_point_us?: number;
    bare_cpu_per_point_us?: number;
  };
  if (result.tool !== 'qcodes' || result.results !== points || !(Number(result.measurement_per_point_us) > 0) || !(Number(result.bare_per_point_us) > 0)) {
    throw new Error(`unexpected output of bench/qcodes/step_scan.py: ${out}`);
  }
  return {
    measurementUs: Number(result.measurement_per_point_us),
    measurementCpuUs: Number(result.measurement_cpu_per_point_us),
    bareUs: Number(result.bare_per_point_us),
    bareCpuUs: Number(result.bare_cpu_per_point_us),
    version: `qcodes ${result.qcodes}`,
  };
}
