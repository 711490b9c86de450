/**
 * Benchmarks of the foundation. Each prints its figures; nothing here asserts.
 *
 *   make bench
 *
 * - lab config: parse + validate + create the simulated lab of examples/lab.toml
 * - line scan: per-point overhead of a 10,000-point step scan (sim stage + sim power meter,
 *   zero simulated latency, virtual time): what the plan and device layers cost per point.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { capabilitiesOf, isMovable, isReadable } from '../src/capabilities/index.js';
import { VirtualClock } from '../src/core/index.js';
import { Lab, parseLabConfig } from '../src/devices/index.js';
import { DRIVERS } from '../src/drivers/index.js';
import { lineScan } from '../src/engine/index.js';

function report(name: string, value: number, unit: string, extra = ''): void {
  process.stdout.write(`${name.padEnd(48)} ${value.toFixed(2).padStart(10)} ${unit}${extra === '' ? '' : `  (${extra})`}\n`);
}

async function benchConfig(): Promise<void> {
  const source = await readFile(new URL('../../examples/lab.toml', import.meta.url), 'utf8');
  const runs = 200;
  for (let i = 0; i < 20; i++) Lab.create(parseLabConfig(source, 'lab.toml', DRIVERS), DRIVERS, new VirtualClock());
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) Lab.create(parseLabConfig(source, 'lab.toml', DRIVERS), DRIVERS, new VirtualClock());
  report('lab config: parse, validate, create 6 devices', ((performance.now() - t0) / runs) * 1000, 'us');
}

async function benchLineScan(points: number): Promise<void> {
  const source = `
[devices.stage]
driver = "sim-stage"
max = 1000
velocity = 1e9
acceleration = 1e12
settle_time = 0
[devices.laser]
driver = "sim-laser"
[devices.meter]
driver = "sim-power-meter"
averaging_time = 0
peak_position = 500
`;
  const clock = new VirtualClock();
  const lab = Lab.create(parseLabConfig(source, 'bench.toml', DRIVERS), DRIVERS, clock);
  await lab.connect();
  const stage = lab.device('stage');
  const meter = lab.device('meter');
  if (!isMovable(stage) || !isReadable(meter)) throw new Error(`unexpected capabilities: ${capabilitiesOf(stage)}`);
  await lineScan(stage, meter, { start: 0, stop: 1000, num: 500 });
  const t0 = performance.now();
  const result = await lineScan(stage, meter, { start: 0, stop: 1000, num: points });
  const elapsedMs = performance.now() - t0;
  await lab.disconnect();
  report(`line scan: ${points} points, per point`, (elapsedMs / points) * 1000, 'us', `${result.length} points in ${elapsedMs.toFixed(0)} ms wall`);
}

await benchConfig();
await benchLineScan(10_000);
