/**
 * `make bench`: every benchmark, each printing its figures. Nothing here asserts; targets are
 * in ../shared/DESIGN.md and the figures go into the issue notes.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { isMovable, isReadable } from '../src/capabilities/index.js';
import { VirtualClock } from '../src/core/index.js';
import { Lab, parseLabConfig } from '../src/devices/index.js';
import { DRIVERS } from '../src/drivers/index.js';
import { lineScan } from '../src/engine/index.js';
import { report } from './report.js';
import { blueskyScan, deviceCallRoundTrip, qcodesScan, scriptScan } from './script-scan.js';

async function benchConfig(): Promise<void> {
  const source = await readFile(new URL('../../examples/lab.toml', import.meta.url), 'utf8');
  const runs = 200;
  for (let i = 0; i < 20; i++) Lab.create(parseLabConfig(source, 'lab.toml', DRIVERS), DRIVERS, new VirtualClock());
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) Lab.create(parseLabConfig(source, 'lab.toml', DRIVERS), DRIVERS, new VirtualClock());
  report('lab config: parse, validate, create 6 devices', ((performance.now() - t0) / runs) * 1000, 'us');
}

async function benchHostLineScan(points: number): Promise<void> {
  const source = `
[devices.stage]
driver = "sim-stage"
max = 1000
velocity = 1e9
acceleration = 1e15
settle_time = 0
[devices.laser]
driver = "sim-laser"
[devices.meter]
driver = "sim-power-meter"
averaging_time = 0
peak_position = 500
`;
  const lab = Lab.create(parseLabConfig(source, 'bench.toml', DRIVERS), DRIVERS, new VirtualClock());
  await lab.connect();
  const stage = lab.device('stage');
  const meter = lab.device('meter');
  if (!isMovable(stage) || !isReadable(meter)) throw new Error('unexpected capabilities');
  await lineScan(stage, meter, { start: 0, stop: 1000, num: 500 });
  const t0 = performance.now();
  await lineScan(stage, meter, { start: 0, stop: 1000, num: points });
  const elapsedMs = performance.now() - t0;
  await lab.disconnect();
  report(`lineScan in TypeScript (no script), per point`, (elapsedMs / points) * 1000, 'us', `${points} points`);
}

const { benchCliStartup } = await import('./cli-startup.js');
await benchCliStartup(report);
await benchConfig();
await benchHostLineScan(10_000);
const calls = await deviceCallRoundTrip();
report('script device call round trip, p50', calls.p50, 'us', 'target <= 10');
report('script device call round trip, p99', calls.p99, 'us', 'target <= 100');
const scan = await scriptScan();
const cpu = (figure: { cpuUs: number }): string => `CPU ${figure.cpuUs.toFixed(1)} us`;
report('script step scan (lineScan plan, recorded), per point', scan.plan.wallUs, 'us', `target <= 10; 10,000 points; ${cpu(scan.plan)}`);
report('script step scan (loop: moveAbs, position, read, record), per point', scan.loop.wallUs, 'us', `target <= 30; 10,000 points; ${cpu(scan.loop)}`);
report('record() from a script, amortised per record', scan.record.wallUs, 'us', `target <= 5; 20,000 records; ${cpu(scan.record)}`);
const bluesky = blueskyScan();
if (bluesky === undefined) {
  process.stdout.write('bluesky baseline: skipped (no build/bench-venv; `make bench` creates it)\n');
} else {
  report(`Bluesky RunEngine scan with ophyd.sim, per point`, bluesky.perPointUs, 'us', bluesky.versions);
  report('ratio Bluesky / ts-daq lineScan plan', bluesky.perPointUs / scan.plan.wallUs, 'x');
  report('ratio Bluesky / ts-daq script loop', bluesky.perPointUs / scan.loop.wallUs, 'x');
}
const qcodes = qcodesScan();
if (qcodes === undefined) {
  process.stdout.write('qcodes baseline: skipped (no QCoDeS in build/bench-venv; `make bench-venv` creates it)\n');
} else {
  report('QCoDeS Measurement (sqlite) scan, per point', qcodes.measurementUs, 'us', `${qcodes.version}; CPU ${qcodes.measurementCpuUs.toFixed(1)} us`);
  report('QCoDeS bare set/get loop, per point', qcodes.bareUs, 'us', `CPU ${qcodes.bareCpuUs.toFixed(1)} us`);
  report('ratio QCoDeS Measurement / ts-daq lineScan plan', qcodes.measurementUs / scan.plan.wallUs, 'x', 'goal >= 6');
  report('ratio QCoDeS Measurement / ts-daq script loop', qcodes.measurementUs / scan.loop.wallUs, 'x');
  report('ratio QCoDeS bare loop / ts-daq script loop', qcodes.bareUs / scan.loop.wallUs, 'x');
}
const { benchDaemon } = await import('./daemon.js');
await benchDaemon(report, scan);
const { runRingBenchmarks } = await import('./ring.js');
await runRingBenchmarks(report);
const { benchRpc } = await import('./rpc.js');
await benchRpc(report);
const { runStorageBenchmarks } = await import('./storage.js');
await runStorageBenchmarks(report);
const { benchSerial } = await import('./serial.js');
await benchSerial(report);
const { benchDashboard } = await import('./dashboard.js');
await benchDashboard(report);
const { benchRunCheck } = await import('./run-check.js');
await benchRunCheck(report);
const { benchFly } = await import('./fly.js');
await benchFly(report);
