/**
 * Benchmarks through a real daemon (issue 14): a `daq daemon` child process from dist/ on the
 * bench lab of ./script-scan.ts (instant simulated devices, real time: the daemon has no
 * simulated time), with its default limits, ring and data directory (a temp dir), driven by the
 * Node client of src/api/client.ts.
 *
 * How a run is timed: the client starts it (StartRun, an inline script) and polls GetRun every
 * 20 ms until it is finished; its time is the daemon's own `end_time_s - start_time_s` of the run
 * (the run's clock, microsecond resolution), so neither the polling nor the RPCs count. Per point
 * = (t_N - t_10) / (N - 10), which removes what a run costs once (the worker, the start and stop
 * documents, the file); the figure is the median over interleaved rounds (10, N, 10, N, ...).
 * The daemon's CPU time per point (all its threads, from /proc/PID/stat, 10 ms ticks) is taken
 * over the same runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { appendFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DaemonClient } from '../src/api/client.js';
import { ControlService, type RunSummary, RunState } from '../src/api/gen/daq/v1/control_pb.js';
import { type Event, ExitStatus } from '../src/api/gen/daq/v1/documents_pb.js';
import { sharedMemoryDir } from '../src/data/ring/ring-files.js';
import { BENCH_LAB, type PerPoint, perPoint, SCRIPTS } from './script-scan.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');
let started = 0;

/** Resident memory of a process, in MB (from /proc/PID/status). */
export interface Rss {
  /** VmRSS: everything resident, the shared-memory ring's touched pages included. */
  total: number;
  /** RssAnon: the heaps (JS, native) and stacks. */
  anon: number;
  /** RssFile: mapped files (code, the native addon). */
  file: number;
  /** RssShmem: shared memory (the ring in /dev/shm, as far as it has been written). */
  shmem: number;
}

/** User + system CPU seconds of a process or thread, from its `stat` file in /proc (10 ms ticks). */
export async function procCpuS(statPath: string): Promise<number> {
  const stat = await readFile(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** A `daq daemon` child process and a client connected to it. */
export class BenchDaemon {
  private stderrTail = '';

  private constructor(
    readonly child: ChildProcess,
    readonly client: DaemonClient,
    readonly address: string,
    private readonly dir: string,
    private readonly ring: string,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000)));
  }

  /**
   * Starts a daemon on the bench lab (default limits and options, plus `args`) in a new temp dir.
   * Its ring has the default size and is in shared memory as by default, but named here
   * (`daq-bench-PID-N.ring`) so that {@link stop} removes it even when the daemon keeps it.
   * `nodeArgs` go to node before the daemon's script (e.g. `--cpu-prof`).
   */
  static async start(args: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<BenchDaemon> {
    const dir = await mkdtemp(join(tmpdir(), 'daq-bench-daemon-'));
    await writeFile(join(dir, 'lab.toml'), BENCH_LAB);
    const ring = join(sharedMemoryDir(), `daq-bench-${process.pid}-${started++}.ring`);
    const child = spawn(process.execPath, [...nodeArgs, DAQ, 'daemon', '--config', join(dir, 'lab.toml'), '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--ring', ring, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Never leave it running: at this process's exit, and on Ctrl-C or SIGTERM of this process.
    const kill = (): void => {
      child.kill('SIGKILL');
      rmSync(ring, { force: true });
    };
    const interrupted = (signal: NodeJS.Signals): void => {
      kill();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('exit', kill);
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    child.once('exit', () => {
      process.removeListener('exit', kill);
      process.removeListener('SIGINT', interrupted);
      process.removeListener('SIGTERM', interrupted);
    });
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const address = await new Promise<string>((ok, fail) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /daq daemon listening on (\S+)\n/.exec(stdout);
        if (match !== null) ok((match[1] as string).replace(/^0\.0\.0\.0:/, '127.0.0.1:'));
      });
      child.once('exit', (code) => fail(new Error(`daq daemon exited (${code}) before listening:\n${stdout}\n${stderr}`)));
    });
    // Keep reading its output so that it never blocks on a full pipe (into a file when
    // DAQ_BENCH_DAEMON_STDOUT names one: e.g. what node's --trace-gc prints).
    const keep = process.env['DAQ_BENCH_DAEMON_STDOUT'];
    if (keep !== undefined && keep !== '') child.stdout?.on('data', (chunk: Buffer) => appendFileSync(keep, chunk));
    child.stdout?.resume();
    // Its own HTTP/2 connection: the runs' StartRun and GetRun polls never share one (nor its
    // flow-control window) with the clients a bench makes to follow the runs.
    return new BenchDaemon(child, new DaemonClient(address, { ownConnection: true }), address, dir, ring);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Its resident memory now. */
  async rss(): Promise<Rss> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { total: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024, shmem: kb('RssShmem') / 1024 };
  }

  /** CPU seconds it has used (user + system, all threads). */
  async cpuS(): Promise<number> {
    return procCpuS(`/proc/${this.pid}/stat`);
  }

  /** CPU seconds its main thread (the event loop that runs devices, plans and the document log) has used. */
  async mainThreadCpuS(): Promise<number> {
    return procCpuS(`/proc/${this.pid}/task/${this.pid}/stat`);
  }

  /** Queues a run of inline `source` (default limits); resolves with its uid. */
  async startRun(source: string): Promise<string> {
    const { run } = await this.client.call(ControlService.method.startRun, { script: { case: 'inline', value: { name: 'bench.js', source } } });
    if (run === undefined) throw new Error('StartRun answered no run');
    return run.uid;
  }

  /** Polls the run every `everyMs` until it is finished (`onPoll` sees each summary); throws unless it succeeded. */
  async finished(uid: string, everyMs = 20, onPoll?: (run: RunSummary) => Promise<void> | void): Promise<RunSummary> {
    for (;;) {
      // A daemon busy with a plan may answer nothing until the run ends: wait as long as it takes.
      const { run } = await this.client.call(ControlService.method.getRun, { uid }, 24 * 3600);
      if (run === undefined) throw new Error(`run ${uid} is unknown`);
      await onPoll?.(run);
      if (run.state === RunState.FINISHED) {
        if (run.exitStatus !== ExitStatus.SUCCESS) throw new Error(`bench run ${uid} ended ${ExitStatus[run.exitStatus]}: ${run.reason}\n${this.stderrTail}`);
        return run;
      }
      await sleep(everyMs);
    }
  }

  /** Runs `source` to success; its duration on the daemon's clock in seconds, and the daemon's CPU seconds meanwhile. */
  async run(source: string): Promise<{ wallS: number; cpuS: number; run: RunSummary }> {
    const cpu0 = await this.cpuS();
    const run = await this.finished(await this.startRun(source));
    const cpuS = (await this.cpuS()) - cpu0;
    return { wallS: run.endTimeS - run.startTimeS, cpuS, run };
  }

  /** The events of a finished run (read back from the start). */
  async events(uid: string): Promise<Event[]> {
    const events: Event[] = [];
    for await (const document of this.client.documents(uid)) {
      if (document.document.case === 'event') events.push(document.document.value);
    }
    return events;
  }

  /** SIGTERM, waits for the exit, removes the temp dir and the ring. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((ok) => this.child.once('exit', ok));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
    await rm(this.ring, { force: true });
  }
}

/**
 * Script -> device call round trip through the daemon: the script reads the power meter `calls`
 * times in a row (after 2,000 untimed reads) and keeps each reading's timestamp, which the daemon
 * takes when the device answers (the daemon's clock, microseconds). A read returns a value, so
 * the script waits for it before making the next: the interval between two successive readings
 * is one full round trip (worker -> main thread -> device -> back -> the next call). The script
 * records the sorted intervals' p50 and p99, read back here.
 */
export async function daemonRoundTrip(daemon: BenchDaemon, calls = 20_000): Promise<{ p50: number; p99: number }> {
  const source = `for (let i = 0; i < 2000; i++) power_meter.read();
const t = [];
for (let i = 0; i < ${calls}; i++) t.push(power_meter.read().timestampS);
const d = [];
for (let i = 1; i < t.length; i++) d.push((t[i] - t[i - 1]) * 1e6);
d.sort((a, b) => a - b);
record('round_trip', { p50_us: d[Math.floor(d.length * 0.5)], p99_us: d[Math.floor(d.length * 0.99)] });`;
  const { run } = await daemon.run(source);
  const [event] = await daemon.events(run.uid);
  const value = (key: string): number => {
    const kind = event?.data[key]?.kind;
    if (kind?.case !== 'number') throw new Error(`the round-trip run recorded no ${key}`);
    return kind.value;
  };
  return { p50: value('p50_us'), p99: value('p99_us') };
}

/**
 * The daemon's CPU (all threads, and its main thread) read every `everyMs` with the time of each
 * reading, so that the CPU between two instants of the daemon's clock (epoch seconds, as a run's
 * `start_time_s` and `end_time_s`) can be had without counting what came before or after them
 * (a GetRun poll sees a run finished up to a poll's interval after its end).
 */
class CpuTrace {
  private readonly samples: { tS: number; cpuS: number; mainS: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly daemon: BenchDaemon,
    everyMs = 2,
  ) {
    this.timer = setInterval(() => void this.read(), everyMs);
  }

  /** Takes a reading now (unless one is under way), and resolves when it is in. */
  read(): Promise<void> {
    this.reading ??= (async () => {
      const before = Date.now() / 1000;
      const [cpuS, mainS] = await Promise.all([this.daemon.cpuS(), this.daemon.mainThreadCpuS()]);
      this.samples.push({ tS: (before + Date.now() / 1000) / 2, cpuS, mainS });
      this.reading = undefined;
    })();
    return this.reading;
  }

  /** Stops reading (after a last reading). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
    await this.read();
  }

  /** CPU seconds at `tS` (epoch seconds): interpolated between the readings around it. */
  at(tS: number): { cpuS: number; mainS: number } {
    const after = this.samples.findIndex((s) => s.tS >= tS);
    const b = this.samples[after === -1 ? this.samples.length - 1 : after] as (typeof this.samples)[number];
    const a = after > 0 ? (this.samples[after - 1] as typeof b) : b;
    const f = b.tS === a.tS ? 1 : Math.min(1, Math.max(0, (tS - a.tS) / (b.tS - a.tS)));
    return { cpuS: a.cpuS + f * (b.cpuS - a.cpuS), mainS: a.mainS + f * (b.mainS - a.mainS) };
  }
}

/**
 * A run of `source` with `clients` following it from its start document (none: the run alone);
 * how long it took, the daemon's CPU during it (all threads, and its main thread: read every 2 ms,
 * between the run's own start and end times, so neither what comes before the run starts nor the
 * serving of its followers after it ends counts), and the events each follower had got by its
 * end. With `untilDelivered`, the followers are not cancelled at the run's end but waited for
 * until each has every document, and `delivered` is the daemon's CPU from the run's start to then
 * (what serving them cost in all; the same as during the run when there is no follower). The
 * runs are started and polled on the daemon's own client, whose connection the followers'
 * `DaemonClient`s do not share (`BenchDaemon.start`).
 */
export async function followedRun(
  daemon: BenchDaemon,
  clients: readonly DaemonClient[],
  source: string,
  untilDelivered = false,
): Promise<{ wallS: number; cpuS: number; mainS: number; received: number[]; delivered: { cpuS: number; mainS: number } }> {
  // Queue the run with the queue stopped, let every client follow it, then start the queue.
  await daemon.client.call(ControlService.method.stopQueue, {});
  const uid = await daemon.startRun(source);
  const cancel = new AbortController();
  setMaxListeners(clients.length + 10, cancel.signal);
  const received = clients.map(() => 0);
  const following = clients.map(async (client, i) => {
    try {
      for await (const document of client.documents(uid, 0, cancel.signal)) {
        if (document.document.case === 'event') received[i] = (received[i] as number) + 1;
      }
    } catch (error) {
      if (!cancel.signal.aborted) throw error;
    }
  });
  // A unary call on each client answered after its stream was opened: the server has the streams.
  await Promise.all(clients.map((client) => client.call(ControlService.method.getRun, { uid })));
  const trace = new CpuTrace(daemon);
  await trace.read();
  await daemon.client.call(ControlService.method.startQueue, {});
  const run = await daemon.finished(uid, 5);
  const atEnd = [...received];
  await sleep(20); // readings after the run's end
  if (!untilDelivered) cancel.abort();
  await Promise.all(following);
  await trace.stop();
  const start = trace.at(run.startTimeS);
  const end = trace.at(run.endTimeS);
  const cpuS = end.cpuS - start.cpuS;
  const mainS = end.mainS - start.mainS;
  const last = trace.at(Number.POSITIVE_INFINITY);
  const delivered = untilDelivered && clients.length > 0 ? { cpuS: last.cpuS - start.cpuS, mainS: last.mainS - start.mainS } : { cpuS, mainS };
  return { wallS: run.endTimeS - run.startTimeS, cpuS, mainS, received: atEnd, delivered };
}

/** A {@link PerPoint} with the daemon's main-thread CPU per point too (microseconds). */
export interface FollowedPerPoint extends PerPoint {
  mainUs: number;
}

/**
 * Per-point time of `script` runs with no follower and with `followers` clients following each
 * run from its start document (each its own DaemonClient, in this process; grpc-js shares one
 * connection among them, not the one the runs are started and polled on), timed as
 * {@link followedRun} does: (t_N - t_10) / (N - 10) for each, medians of `rounds` rounds, the two
 * interleaved in each round (ABBA order), so that a change of the machine's load hits both alike.
 * When a run has finished its followers are cancelled rather than waited for (100 clients
 * catching up on 10,000 events each takes minutes on 2 cores, which is not the run's time);
 * `delivered` is the share of the events they had got by then (their mean, over the N-point runs).
 */
export async function followersBench(
  daemon: BenchDaemon,
  script: (n: number) => string,
  followers: number,
  points: number,
  rounds = 3,
): Promise<{ alone: FollowedPerPoint; followed: FollowedPerPoint; delivered: number }> {
  const clients = Array.from({ length: followers }, () => new DaemonClient(daemon.address));
  const shares: number[] = [];
  const small = 10;
  const time = async (withFollowers: boolean, n: number): Promise<{ wallS: number; cpuS: number; mainS: number }> => {
    const result = await followedRun(daemon, withFollowers ? clients : [], script(n));
    if (withFollowers && n === points) shares.push(result.received.reduce((a, b) => a + b, 0) / followers / n);
    return result;
  };
  try {
    await time(true, small);
    const alone: FollowedPerPoint[] = [];
    const followed: FollowedPerPoint[] = [];
    const figure = async (withFollowers: boolean): Promise<FollowedPerPoint> => {
      const a = await time(withFollowers, small);
      const b = await time(withFollowers, points);
      const per = (key: 'wallS' | 'cpuS' | 'mainS'): number => ((b[key] - a[key]) / (points - small)) * 1e6;
      return { wallUs: per('wallS'), cpuUs: per('cpuS'), mainUs: per('mainS') };
    };
    for (let round = 0; round < rounds; round++) {
      for (const withFollowers of round % 2 === 0 ? [false, true] : [true, false]) (withFollowers ? followed : alone).push(await figure(withFollowers));
    }
    const median = (figures: FollowedPerPoint[], key: keyof FollowedPerPoint): number => {
      const sorted = figures.map((f) => f[key]).sort((x, y) => x - y);
      return sorted[Math.floor(sorted.length / 2)] as number;
    };
    const medians = (figures: FollowedPerPoint[]): FollowedPerPoint => ({ wallUs: median(figures, 'wallUs'), cpuUs: median(figures, 'cpuUs'), mainUs: median(figures, 'mainUs') });
    return {
      alone: medians(alone),
      followed: medians(followed),
      delivered: shares.reduce((a, b) => a + b, 0) / shares.length,
    };
  } finally {
    for (const client of clients) client.close();
  }
}

/** Prints the daemon figures beside the local ones (`local`: the same scripts in this process, see ./script-scan.ts). */
export async function benchDaemon(
  report: (name: string, value: number, unit: string, extra?: string) => void,
  local: { plan: PerPoint; loop: PerPoint; record: PerPoint },
): Promise<void> {
  const daemon = await BenchDaemon.start();
  try {
    const plan = await perPoint((n) => daemon.run(SCRIPTS.plan(n)));
    report('daemon: lineScan plan, per point', plan.wallUs, 'us', `10,000 points; daemon CPU ${plan.cpuUs.toFixed(1)} us`);
    report('ratio daemon / local, lineScan plan', plan.wallUs / local.plan.wallUs, 'x', 'target <= 1.5');
    const loop = await perPoint((n) => daemon.run(SCRIPTS.loop(n)));
    report('daemon: script loop (moveAbs, position, read, record), per point', loop.wallUs, 'us', `10,000 points; daemon CPU ${loop.cpuUs.toFixed(1)} us`);
    report('ratio daemon / local, script loop', loop.wallUs / local.loop.wallUs, 'x', 'target <= 1.5');
    const calls = await daemonRoundTrip(daemon);
    report('daemon: script device call round trip, p50', calls.p50, 'us', 'target <= 10');
    report('daemon: script device call round trip, p99', calls.p99, 'us', 'target <= 100');
    const records = await perPoint((n) => daemon.run(SCRIPTS.record(n)), 20_000);
    report('daemon: record() from a script, amortised per record', records.wallUs, 'us', `target <= 5; 20,000 records; daemon CPU ${records.cpuUs.toFixed(1)} us`);
    report('ratio daemon / local, record()', records.wallUs / local.record.wallUs, 'x');
    for (const [name, script, points] of [
      ['lineScan plan', SCRIPTS.plan, 10_000],
      ['script loop', SCRIPTS.loop, 2_000],
    ] as const) {
      const { alone, followed, delivered } = await followersBench(daemon, script, 100, points);
      const pts = `${points.toLocaleString('en')} points`;
      const cpu = (f: FollowedPerPoint): string => `daemon CPU ${f.cpuUs.toFixed(1)} us (main thread ${f.mainUs.toFixed(1)})`;
      report(`daemon: ${name}, per point, 0 followers`, alone.wallUs, 'us', `${pts}; ${cpu(alone)}`);
      report(`daemon: ${name}, per point, 100 followers`, followed.wallUs, 'us', `${pts}; ${cpu(followed)}; ${(delivered * 100).toFixed(0)}% of the events reached them during the run`);
      report(`change with 100 followers, ${name}`, ((followed.wallUs - alone.wallUs) / alone.wallUs) * 100, '%', 'target < 5');
    }
  } finally {
    await daemon.stop();
  }
}
