/**
 * `make bench-long` (issue 14, not part of `make test` nor `make bench`): a 1,000,000-point
 * lineScan plan (`returnPoints: false`) and a 1,000,000-point script loop (moveAbs, position,
 * read, record) through a real `daq daemon` with its default limits, ring and options (see
 * ./daemon.ts). While each run goes, the client polls it every 200 ms; the daemon's resident
 * memory (/proc/PID/status) is sampled at the first poll that sees 10,000 events recorded and
 * again when the run has finished, and the growth between them is printed (goal < 50 MB).
 *
 * Two growths are printed: VmRSS (all resident memory) and VmRSS without RssShmem. The ring
 * buffer is a fixed-size shared-memory mapping (256 MiB by default) whose pages become resident
 * as the run writes into it for the first time, so a long run grows VmRSS by up to the ring's
 * size however flat the daemon's own memory is; the growth of the rest is the daemon's heaps.
 *
 * Exit status: 0 when every run succeeded (whatever the figures), 1 when one did not (or the
 * daemon died), 2 on bad arguments.
 *
 * Usage: node dist/bench/long.js [--points N]   (make bench-long POINTS=N)
 */
import { BenchDaemon, type Rss } from './daemon.js';
import { report } from './report.js';

const SAMPLE_AT = 10_000;

function pointsArgument(): number {
  const args = process.argv.slice(2);
  if (args.length === 0) return 1_000_000;
  const points = Number(args[1]);
  if (args.length !== 2 || args[0] !== '--points' || !Number.isInteger(points) || points <= SAMPLE_AT) {
    process.stderr.write(`usage: node dist/bench/long.js [--points N]  (N an integer > ${SAMPLE_AT}; default 1000000)\n`);
    process.exit(2);
  }
  return points;
}

const SCRIPTS = {
  plan: (n: number) => `lineScan(stage, power_meter, { start: 0, stop: 500, num: ${n}, returnPoints: false });`,
  // The stage's range is 0..1000 mm: the loop goes back and forth over 0..500 mm.
  loop: (n: number) => `for (let i = 0; i < ${n}; i++) {
  stage.moveAbs((i % 10000) * 0.05);
  record('scan', { stage: stage.position(), power_meter: power_meter.read() });
}`,
};

const mb = (value: number): string => `${value.toFixed(1)} MB`;

async function longRun(daemon: BenchDaemon, kind: keyof typeof SCRIPTS, points: number): Promise<boolean> {
  const name = kind === 'plan' ? 'lineScan plan' : 'script loop';
  const uid = await daemon.startRun(SCRIPTS[kind](points));
  let at10k: { rss: Rss; events: number } | undefined;
  let peak = 0;
  try {
    const run = await daemon.finished(uid, 200, async (summary) => {
      const events = Object.values(summary.numEvents).reduce((a, b) => a + b, 0);
      const rss = await daemon.rss();
      peak = Math.max(peak, rss.total);
      if (at10k === undefined && events >= SAMPLE_AT) at10k = { rss, events };
    });
    const end = await daemon.rss();
    const events = Object.values(run.numEvents).reduce((a, b) => a + b, 0);
    const seconds = run.endTimeS - run.startTimeS;
    report(`${name}: ${points.toLocaleString('en')} points through the daemon`, seconds, 's', `${((seconds / points) * 1e6).toFixed(1)} us/pt; ${events} events`);
    if (at10k === undefined) throw new Error('no poll saw the run between 10,000 events and its end');
    const { rss: start } = at10k;
    process.stdout.write(
      `  RSS at event ${at10k.events}: ${mb(start.total)} (anon ${mb(start.anon)}, shmem ${mb(start.shmem)}); ` +
        `at the end: ${mb(end.total)} (anon ${mb(end.anon)}, shmem ${mb(end.shmem)}); peak VmRSS ${mb(peak)}\n`,
    );
    report(`${name}: daemon VmRSS growth, event 10,000 -> end`, end.total - start.total, 'MB', 'the ring\'s pages included');
    report(`${name}: daemon RSS growth without the ring (shmem)`, end.total - end.shmem - (start.total - start.shmem), 'MB', 'goal < 50');
    return true;
  } catch (error) {
    process.stdout.write(`${name}: FAILED: ${(error as Error).message}\n`);
    return false;
  }
}

const points = pointsArgument();
const daemon = await BenchDaemon.start();
let ok = true;
try {
  process.stdout.write(`daemon pid ${daemon.pid}, default limits; ${points.toLocaleString('en')} points a run\n`);
  for (const kind of ['plan', 'loop'] as const) {
    if (!(await longRun(daemon, kind, points))) ok = false;
  }
} finally {
  await daemon.stop();
}
process.exitCode = ok ? 0 : 1;
