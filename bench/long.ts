/**
 * `make bench-long` (issue 14, not part of `make test` nor `make bench`): a 1,000,000-point
 * lineScan plan (`returnPoints: false`) and a 1,000,000-point script loop (moveAbs, position,
 * read, record) through a real `daq daemon` with its default limits, ring and options (see
 * ./daemon.ts), each on a daemon of its own. While each run goes, the daemon's resident memory (/proc/PID/status) is sampled
 * every 200 ms and the client polls the run (GetRun) every 200 ms for its event count. The
 * sample at event 10,000 is the first one taken after the time the run reached event 10,000,
 * found by linear interpolation between the polls that bracket it (a daemon busy with a plan may
 * answer no poll until the run ends: then between the run's start and end, i.e. by its average
 * rate); the growth from there to the end of the run is printed (goal < 50 MB).
 *
 * Two growths are printed: VmRSS (all resident memory) and VmRSS without RssShmem. The ring
 * buffer is a fixed-size shared-memory file (256 MiB by default), mapped by the daemon's writer
 * and again by its file writer, whose pages count as resident in each mapping once touched, so
 * RssShmem moves between 256 and 512 MB however flat the daemon's own memory is; the rest
 * (RssAnon + RssFile) is the daemon's heaps, stacks and code, and is what the goal is about.
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

/** When the run recorded its event number `at`, by linear interpolation between what the polls saw (time, events). */
function timeOfEvent(seen: [number, number][], at: number): number {
  const sorted = [...seen].sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [t0, e0] = sorted[i - 1] as [number, number];
    const [t1, e1] = sorted[i] as [number, number];
    if (e1 >= at && e0 < at) return t0 + ((t1 - t0) * (at - e0)) / (e1 - e0);
  }
  throw new Error(`no two polls bracket event ${at}`);
}

async function longRun(daemon: BenchDaemon, kind: keyof typeof SCRIPTS, points: number): Promise<boolean> {
  const name = kind === 'plan' ? 'lineScan plan' : 'script loop';
  // Resident memory every 200 ms, read here (the daemon need not answer), with the time.
  const samples: { tS: number; rss: Rss }[] = [];
  const sampling = setInterval(() => {
    const tS = Date.now() / 1000;
    void daemon.rss().then((rss) => samples.push({ tS, rss }), () => undefined);
  }, 200);
  try {
    const uid = await daemon.startRun(SCRIPTS[kind](points));
    const seen: [number, number][] = [];
    const run = await daemon.finished(uid, 200, (summary) => {
      seen.push([Date.now() / 1000, Object.values(summary.numEvents).reduce((a, b) => a + b, 0)]);
    });
    const end = await daemon.rss();
    const events = Object.values(run.numEvents).reduce((a, b) => a + b, 0);
    const seconds = run.endTimeS - run.startTimeS;
    report(`${name}: ${points.toLocaleString('en')} points through the daemon`, seconds, 's', `${((seconds / points) * 1e6).toFixed(1)} us/pt; ${events} events`);
    const answered = seen.filter(([, e]) => e > 0 && e < events).length;
    const at10kS = timeOfEvent([[run.startTimeS, 0], ...seen.filter(([, e]) => e < events), [run.endTimeS, events]], SAMPLE_AT);
    const start = samples.find((sample) => sample.tS >= at10kS)?.rss;
    if (start === undefined) throw new Error('no memory sample after event 10,000');
    const peak = Math.max(...samples.map((sample) => sample.rss.total), end.total);
    process.stdout.write(
      `  ${answered} polls answered while the run went on (event 10,000 placed ${answered > 0 ? 'between polls' : 'by the run\'s average rate'})\n` +
        `  RSS at event 10,000: ${mb(start.total)} (anon ${mb(start.anon)}, shmem ${mb(start.shmem)}); ` +
        `at the end: ${mb(end.total)} (anon ${mb(end.anon)}, shmem ${mb(end.shmem)}); peak VmRSS ${mb(peak)}\n`,
    );
    report(`${name}: daemon VmRSS growth, event 10,000 -> end`, end.total - start.total, 'MB', "the ring's pages included");
    report(`${name}: daemon RSS growth without the ring (shmem)`, end.total - end.shmem - (start.total - start.shmem), 'MB', 'goal < 50');
    return true;
  } catch (error) {
    process.stdout.write(`${name}: FAILED: ${(error as Error).message}\n`);
    return false;
  } finally {
    clearInterval(sampling);
  }
}

const points = pointsArgument();
let ok = true;
// A fresh daemon for each run, so that the second run's figures start from no garbage of the first.
for (const kind of ['plan', 'loop'] as const) {
  const daemon = await BenchDaemon.start();
  try {
    process.stdout.write(`daemon pid ${daemon.pid}, default limits; ${points.toLocaleString('en')} points\n`);
    if (!(await longRun(daemon, kind, points))) ok = false;
  } finally {
    await daemon.stop();
  }
}
process.exitCode = ok ? 0 : 1;
