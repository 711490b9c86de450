/**
 * Where a point's time goes through the daemon and locally, in CPU time as well as wall time
 * (issue 14): on a loaded machine wall time says more about the other processes than about ours,
 * while the CPU time a thread used is disturbed far less. For each scan script of ./script-scan.ts
 * (plan, loop, record), per point ((t_N - t_10) / (N - 10), as `make bench`), medians of
 * interleaved rounds (local 10, local N, daemon 10, daemon N, then the next script):
 *
 * - local: the engine in this process on a VirtualClock (as `daq run --sim-time`): wall, this
 *   process's main thread's CPU, CPU of all its threads (the script's worker too);
 * - daemon: a `daq daemon` child process (./daemon.ts, default limits): the run's time on the
 *   daemon's clock, its main thread's CPU (/proc/PID/task/PID/stat: the thread a plan waits on)
 *   and CPU of all its threads (the script's worker and the HDF5 writer too).
 *
 * With `--profile DIR` the daemon runs under `node --cpu-prof --cpu-prof-dir DIR` (every thread
 * writes a .cpuprofile when the daemon exits: open it in Chrome's DevTools, or summarise it with
 * `node dist/bench/profile-summary.js FILE`); the figures then include the profiler's cost.
 *
 * `--followers N`: each daemon run is also timed with N clients following it from its start
 * document (`StreamRunDocuments`, as `make bench`'s followers lines, ./daemon.ts), interleaved
 * with the runs without them; the followers' share of the events by the run's end is printed,
 * and the daemon's CPU from the run's start until every follower has every document (`until
 * delivered`: a follower that falls behind a fast run gets the rest after it).
 * `--follower-window BYTES`: the followers' HTTP/2 flow-control window (per stream and for their
 * one connection; default 65,535 bytes), to see what it does to what they get during a run.
 * `--follower-connections`: each follower on an HTTP/2 connection of its own (as clients in
 * separate processes are), not all on one. The runs' StartRun and GetRun poll have their own
 * connection either way (`BenchDaemon.client`).
 *
 * `--daemon-arg ARG` (repeatable) gives `daq daemon` an option (e.g. `--no-ring`), to measure what a part costs;
 * `--node-arg ARG` gives node one (e.g. `--trace-gc`, whose lines the daemon's output then has).
 *
 * `--round-trip`: each round also measures the script -> device call round trip (p50, p99: the
 * intervals between successive waiting device calls, 20,000 of them), locally and through the
 * daemon, as `make bench` does (`deviceCallRoundTrip` of ./script-scan.ts, `daemonRoundTrip` of
 * ./daemon.ts); their medians over the rounds are printed.
 *
 * Usage: node dist/bench/daemon-cpu.js [--points N] [--rounds R] [--profile DIR] [--no-local] [--followers N] [--follower-window BYTES] [--follower-connections] [--round-trip] [--daemon-arg ARG]... [--node-arg ARG]... [plan] [loop] [record]
 */
import { performance } from 'node:perf_hooks';
import { DaemonClient } from '../src/api/client.js';
import { BenchDaemon, daemonRoundTrip, followedRun, procCpuS } from './daemon.js';
import { report } from './report.js';
import { deviceCallRoundTrip, lab, SCRIPTS } from './script-scan.js';

type Script = keyof typeof SCRIPTS;

interface Sample {
  wallS: number;
  mainS: number;
  allS: number;
}

function parse(): { points: number; rounds: number; followers: number; followerWindow: number | undefined; ownConnections: boolean; profile: string | undefined; local: boolean; roundTrip: boolean; scripts: Script[]; daemonArgs: string[]; nodeArgs: string[] } {
  const args = process.argv.slice(2);
  let points = 10_000;
  let rounds = 3;
  let followers = 0;
  let followerWindow: number | undefined;
  let ownConnections = false;
  let profile: string | undefined;
  let local = true;
  let roundTrip = false;
  const scripts: Script[] = [];
  const daemonArgs: string[] = [];
  const nodeArgs: string[] = [];
  const usage = (): never => {
    process.stderr.write('usage: node dist/bench/daemon-cpu.js [--points N] [--rounds R] [--profile DIR] [--no-local] [--followers N] [--follower-window BYTES] [--follower-connections] [--round-trip] [--daemon-arg ARG]... [--node-arg ARG]... [plan] [loop] [record]\n');
    process.exit(2);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--points' || arg === '--rounds' || arg === '--followers' || arg === '--follower-window') {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 1) usage();
      if (arg === '--points') points = n;
      else if (arg === '--rounds') rounds = n;
      else if (arg === '--followers') followers = n;
      else followerWindow = n;
    } else if (arg === '--profile') profile = args[++i] ?? usage();
    else if (arg === '--no-local') local = false;
    else if (arg === '--follower-connections') ownConnections = true;
    else if (arg === '--round-trip') roundTrip = true;
    else if (arg === '--daemon-arg') daemonArgs.push(args[++i] ?? usage());
    else if (arg === '--node-arg') nodeArgs.push(args[++i] ?? usage());
    else if (arg in SCRIPTS) scripts.push(arg as Script);
    else usage();
  }
  if (points <= 10) usage();
  return { points, rounds, followers, followerWindow, ownConnections, profile, local, roundTrip, scripts: scripts.length > 0 ? scripts : ['plan', 'loop', 'record'], daemonArgs, nodeArgs };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

const { points, rounds, followers, followerWindow, ownConnections, profile, local, roundTrip, scripts, daemonArgs, nodeArgs } = parse();
const SMALL = 10;
const here = local ? await lab() : undefined;
const daemon = await BenchDaemon.start(daemonArgs, [...nodeArgs, ...(profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile])]);

async function runLocal(source: string): Promise<Sample> {
  if (here === undefined) throw new Error('no local lab');
  const main0 = await procCpuS(`/proc/${process.pid}/task/${process.pid}/stat`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stop = await here.engine.submit({ scriptName: 'bench.js', source }).done;
  const wallS = (performance.now() - t0) / 1000;
  if (stop.exitStatus !== 'success') throw new Error(`bench script failed: ${stop.reason}`);
  const cpu = process.cpuUsage(cpu0);
  const mainS = (await procCpuS(`/proc/${process.pid}/task/${process.pid}/stat`)) - main0;
  return { wallS, mainS, allS: (cpu.user + cpu.system) / 1e6 };
}

async function runDaemon(source: string): Promise<Sample> {
  // Measured as the followed runs are (the CPU between the run's own start and end), with none.
  const { wallS, cpuS, mainS } = await followedRun(daemon, [], source);
  return { wallS, mainS, allS: cpuS };
}

const clients = Array.from(
  { length: followers },
  () => new DaemonClient(daemon.address, { ...(followerWindow === undefined ? {} : { flowControlWindowBytes: followerWindow }), ownConnection: ownConnections }),
);
const delivered: number[] = [];

/**
 * A daemon run with the {@link clients} following it: CPU from the start of the queue to the
 * run's end, and (with the key `until delivered`) to when every follower has every document.
 */
async function runFollowed(source: string, n: number): Promise<{ run: Sample; untilDelivered: Sample }> {
  const { wallS, cpuS, mainS, received, delivered: total } = await followedRun(daemon, clients, source, true);
  if (n > SMALL) delivered.push(received.reduce((a, b) => a + b, 0) / clients.length / n);
  return { run: { wallS, mainS, allS: cpuS }, untilDelivered: { wallS, mainS: total.mainS, allS: total.cpuS } };
}

const per = (a: Sample, b: Sample, n: number): Sample => ({
  wallS: ((b.wallS - a.wallS) / (n - SMALL)) * 1e6,
  mainS: ((b.mainS - a.mainS) / (n - SMALL)) * 1e6,
  allS: ((b.allS - a.allS) / (n - SMALL)) * 1e6,
});

try {
  const figures = new Map<string, Sample[]>();
  const add = (key: string, sample: Sample): void => void figures.set(key, [...(figures.get(key) ?? []), sample]);
  const trips: { key: string; p50: number; p99: number }[] = [];
  const count = (script: Script): number => (script === 'record' ? 2 * points : points);
  for (const script of scripts) {
    if (local) await runLocal(SCRIPTS[script](SMALL));
    await runDaemon(SCRIPTS[script](SMALL));
  }
  for (let round = 0; round < rounds; round++) {
    for (const script of scripts) {
      const n = count(script);
      if (local) add(`${script} local`, per(await runLocal(SCRIPTS[script](SMALL)), await runLocal(SCRIPTS[script](n)), n));
      const alone = async (): Promise<void> => add(`${script} daemon`, per(await runDaemon(SCRIPTS[script](SMALL)), await runDaemon(SCRIPTS[script](n)), n));
      const followed = async (): Promise<void> => {
        const a = await runFollowed(SCRIPTS[script](SMALL), SMALL);
        const b = await runFollowed(SCRIPTS[script](n), n);
        add(`${script} daemon, ${followers} followers`, per(a.run, b.run, n));
        add(`${script} daemon, ${followers} followers, until delivered`, per(a.untilDelivered, b.untilDelivered, n));
      };
      if (followers === 0) await alone();
      else for (const run of round % 2 === 0 ? [alone, followed] : [followed, alone]) await run();
    }
    if (roundTrip) {
      if (local) trips.push({ key: 'local', ...(await deviceCallRoundTrip()) });
      trips.push({ key: 'daemon', ...(await daemonRoundTrip(daemon)) });
    }
  }
  for (const [key, samples] of figures) {
    const wall = median(samples.map((s) => s.wallS));
    const main = median(samples.map((s) => s.mainS));
    const all = median(samples.map((s) => s.allS));
    const spread = (get: (s: Sample) => number): string => `${Math.min(...samples.map(get)).toFixed(0)}-${Math.max(...samples.map(get)).toFixed(0)}`;
    report(`${key}, per point: wall`, wall, 'us', `rounds ${spread((s) => s.wallS)}`);
    report(`${key}, per point: main thread CPU`, main, 'us', `rounds ${spread((s) => s.mainS)}`);
    report(`${key}, per point: CPU of all threads`, all, 'us', `rounds ${spread((s) => s.allS)}`);
  }
  for (const key of ['local', 'daemon']) {
    const mine = trips.filter((t) => t.key === key);
    if (mine.length === 0) continue;
    const spread = (get: (t: (typeof mine)[number]) => number): string => `rounds ${mine.map(get).map((v) => v.toFixed(1)).join(', ')}`;
    report(`${key}: script device call round trip, p50`, median(mine.map((t) => t.p50)), 'us', spread((t) => t.p50));
    report(`${key}: script device call round trip, p99`, median(mine.map((t) => t.p99)), 'us', spread((t) => t.p99));
  }
  for (const script of scripts) {
    const l = figures.get(`${script} local`);
    const d = figures.get(`${script} daemon`);
    if (l === undefined || d === undefined) continue;
    report(`ratio daemon / local, ${script}: wall`, median(d.map((s) => s.wallS)) / median(l.map((s) => s.wallS)), 'x');
    report(`ratio daemon / local, ${script}: main thread CPU`, median(d.map((s) => s.mainS)) / median(l.map((s) => s.mainS)), 'x');
    report(`ratio daemon / local, ${script}: CPU of all threads`, median(d.map((s) => s.allS)) / median(l.map((s) => s.allS)), 'x');
  }
  if (followers > 0) {
    for (const script of scripts) {
      const a = figures.get(`${script} daemon`);
      const f = figures.get(`${script} daemon, ${followers} followers`);
      const u = figures.get(`${script} daemon, ${followers} followers, until delivered`);
      if (a === undefined || f === undefined || u === undefined) continue;
      for (const [what, get] of [['main thread CPU', (s: Sample) => s.mainS], ['CPU of all threads', (s: Sample) => s.allS]] as const) {
        report(`change with ${followers} followers, ${script}: ${what}`, (median(f.map(get)) / median(a.map(get)) - 1) * 100, '%', 'target < 5');
        report(`serving ${followers} followers, ${script}: ${what}, per follower and document`, (median(u.map(get)) - median(a.map(get))) / followers, 'us', 'until delivered, less the run alone');
      }
    }
    process.stdout.write(`events that reached the followers during the runs: ${((delivered.reduce((a, b) => a + b, 0) / Math.max(1, delivered.length)) * 100).toFixed(0)} %\n`);
  }
  process.stdout.write(`load average at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
} finally {
  for (const client of clients) client.close();
  await daemon.stop();
  await here?.lab.disconnect();
}
