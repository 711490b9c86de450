/**
 * What suspenders cost a plan: the per-point time of a 10,000-point lineScan (instant simulated
 * devices, in a run of the engine) with no suspender, with one on the scan's own detector (its
 * point readings are checked: no extra read) and with one on another device (one more read per
 * point), medians of 3 interleaved rounds. Prints figures, asserts nothing.
 *
 *   make build && node dist/bench/suspenders.js
 */
import { BENCH_LAB } from './script-scan.js';
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../src/core/index.js';
import { Lab, parseLabConfig } from '../src/devices/index.js';
import { DRIVERS } from '../src/drivers/index.js';
import { RunEngine } from '../src/engine/index.js';

const POINTS = 10_000;
const SCAN = `lineScan(stage, power_meter, { start: 0, stop: 100, num: ${POINTS}, returnPoints: false });`;
const CASES: Record<string, string> = {
  'no suspender': SCAN,
  'suspender on the detector': `suspendWhen(power_meter, { below: -1 });\n${SCAN}`,
  'suspender on another device': `suspendWhen(thermometer, { outside: [-100, 100] });\n${SCAN}`,
};

async function main(): Promise<void> {
  const clock = new VirtualClock();
  const lab = Lab.create(parseLabConfig(BENCH_LAB, 'bench.toml', DRIVERS), DRIVERS, clock);
  await lab.connect();
  const engine = new RunEngine(lab, clock);
  const times: Record<string, number[]> = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, source] of Object.entries(CASES)) {
      const t0 = performance.now();
      const stop = await engine.submit({ scriptName: 'bench.js', source }).done;
      if (stop.exitStatus !== 'success') throw new Error(`${name}: ${stop.reason}`);
      (times[name] ??= []).push(((performance.now() - t0) * 1000) / POINTS);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1] ?? NaN;
  const base = median(times['no suspender'] ?? []);
  process.stdout.write(`lineScan of ${POINTS} points in a run, per point (median of 3):\n`);
  for (const [name, xs] of Object.entries(times)) {
    const us = median(xs);
    process.stdout.write(`  ${name.padEnd(30)} ${us.toFixed(1).padStart(7)} us${name === 'no suspender' ? '' : `  (${us >= base ? '+' : ''}${(us - base).toFixed(1)} us)`}\n`);
  }
  await lab.disconnect();
}

await main();
