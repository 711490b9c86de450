/**
 * Where the script -> device call round trip's time goes (issue 14): the local round trip of
 * `make bench` (`deviceCallRoundTrip` of ./script-scan.ts: a script calls
 * `thermometer.temperature()` N times, the intervals between the calls' arrivals at the device)
 * with the whole distribution, not only p50 and p99:
 *
 * - percentiles and a histogram of the intervals;
 * - what the main thread's side did meanwhile (`dispatchCounts` of src/scripting/host-dispatch.ts):
 *   requests announced by a wake-up message (the main thread was not polling: ~15-50 us each),
 *   polls that missed, misses that made it stop polling for 64 requests, and its 2 ms
 *   event-loop turns;
 * - the main thread's garbage collections (count, total, and how many slow intervals overlap one);
 * - where the slow intervals (over 30 us) are: how many come right after another slow one (a run
 *   of them: the main thread stopped polling) and how many stand alone.
 *
 * Usage: node dist/bench/round-trip.js [--calls N] [--rounds R]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { dispatchCounts } from '../src/scripting/host-dispatch.js';
import { lab, thermometerCallTimes } from './script-scan.js';

const SLOW_US = 30;
const BUCKETS_US = [5, 7, 10, 15, 20, 30, 50, 100, 200, 500, Infinity];

function parse(): { calls: number; rounds: number } {
  const args = process.argv.slice(2);
  let calls = 20_000;
  let rounds = 3;
  for (let i = 0; i < args.length; i++) {
    const n = Number(args[i + 1]);
    if ((args[i] === '--calls' || args[i] === '--rounds') && Number.isInteger(n) && n > 1) {
      if (args[i] === '--calls') calls = n;
      else rounds = n;
      i++;
    } else {
      process.stderr.write('usage: node dist/bench/round-trip.js [--calls N] [--rounds R]\n');
      process.exit(2);
    }
  }
  return { calls, rounds };
}

const { calls, rounds } = parse();
const { lab: theLab, engine } = await lab();
const arrivals = thermometerCallTimes(theLab);
const gcs: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push({ start: entry.startTime, end: entry.startTime + entry.duration });
}).observe({ entryTypes: ['gc'] });

async function run(source: string): Promise<void> {
  const stop = await engine.submit({ scriptName: 'bench.js', source }).done;
  if (stop.exitStatus !== 'success') throw new Error(`bench script failed: ${stop.reason}`);
}

await run(`for (let i = 0; i < 2000; i++) thermometer.temperature();`);
for (let round = 1; round <= rounds; round++) {
  arrivals.length = 0;
  gcs.length = 0;
  const before = { ...dispatchCounts };
  await run(`for (let i = 0; i < ${calls}; i++) thermometer.temperature();`);
  const counts = Object.entries(dispatchCounts).map(([key, value]) => `${key} ${value - before[key as keyof typeof dispatchCounts]}`);
  const intervals = arrivals.slice(1).map((t, i) => (t - (arrivals[i] as number)) * 1000);
  const sorted = [...intervals].sort((a, b) => a - b);
  const at = (p: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN).toFixed(1);
  const histogram = BUCKETS_US.map((limit, i) => intervals.filter((us) => us < limit && us >= (BUCKETS_US[i - 1] ?? 0)).length);
  let slow = 0;
  let slowAfterSlow = 0;
  let slowInGc = 0;
  intervals.forEach((us, i) => {
    if (us <= SLOW_US) return;
    slow += 1;
    if ((intervals[i - 1] ?? 0) > SLOW_US) slowAfterSlow += 1;
    const from = arrivals[i] as number;
    const to = arrivals[i + 1] as number;
    if (gcs.some((gc) => gc.start < to && gc.end > from)) slowInGc += 1;
  });
  const gcMs = gcs.reduce((sum, gc) => sum + gc.end - gc.start, 0);
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ');
  process.stdout.write(
    [
      `round ${round} (${calls.toLocaleString('en')} calls, load ${load})`,
      `  p50 ${at(0.5)} us, p90 ${at(0.9)}, p99 ${at(0.99)}, p99.9 ${at(0.999)}, max ${at(1)}`,
      `  histogram (us): ${BUCKETS_US.map((limit, i) => `<${limit}: ${histogram[i]}`).join(', ')}`,
      `  main thread: ${counts.join(', ')}`,
      `  slow (> ${SLOW_US} us): ${slow}, of them right after another slow one ${slowAfterSlow}, during a main-thread GC ${slowInGc}; GCs ${gcs.length}, ${gcMs.toFixed(1)} ms`,
      '',
    ].join('\n'),
  );
}
await theLab.disconnect();
process.exit(0);
