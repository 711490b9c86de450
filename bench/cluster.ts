/**
 * Documents on JetStream (issue 18): a real nats-server (Debian's, `-js`, a temp store) and a
 * `daq daemon --cluster` child process on the bench lab; a consumer in this process follows the
 * lab's stream (a pull consumer without acks, from the newest document on).
 *
 * - documents/s published with JetStream acks: a run recorded while the server is frozen
 *   (SIGSTOP), then published as fast as acks come once it is back; the consumer counts its
 *   documents from the first to the stop document;
 * - consumer lag while a 10 kHz scalar stream runs: received time minus the event's own time
 *   (one host, one clock), p50 and p99;
 * - whether publication slows a run: the same fast run's duration on a daemon without a cluster,
 *   with one, and with its NATS server frozen (SIGSTOP: a dead server that keeps the socket).
 * Prints figures only. `node dist/bench/cluster.js`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { BenchDaemon } from './daemon.js';
import { report } from './report.js';

const LAB = 'bench';
const FAST = (n: number): string => `for (let i = 0; i < ${n}; i++) record('fast', { i, x: i * 0.5 });`;
/** `rate` records a second (paced by the script's clock; as fast as it can when behind). */
const PACED = (n: number, rate: number): string =>
  `const t0 = now(); for (let i = 0; i < ${n}; i++) { record('scalar', { i }); const ahead = t0 + (i + 1) / ${rate} - now(); if (ahead > 0.002) sleep(ahead); }`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function startNats(): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'daq-bench-nats-'));
  const port = await freePort();
  const child = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `nats://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      await (await connect({ servers: url, reconnect: false })).close();
      return { url, child, dir };
    } catch {
      await sleep(50);
    }
  }
  throw new Error('nats-server did not start');
}

/** Follows the lab's documents; resolves per run when its stop document has come. */
async function follow(url: string): Promise<{ stopped(uid: string): Promise<{ docs: number; firstMs: number; lastMs: number; lagsMs: number[] }>; close(): Promise<void> }> {
  const nc = await connect({ servers: url });
  const stream = `DAQ_${LAB.toUpperCase()}`;
  const added = await (await jetstreamManager(nc)).consumers.add(stream, { ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.New, filter_subject: `daq.${LAB}.*.docs`, inactive_threshold: 60e9 });
  const consumer = await jetstream(nc).consumers.get(stream, added.name);
  const runs = new Map<string, { docs: number; firstMs: number; lastMs: number; lagsMs: number[]; done?: () => void; ended: boolean }>();
  const runOf = (uid: string) => {
    let run = runs.get(uid);
    if (run === undefined) runs.set(uid, (run = { docs: 0, firstMs: 0, lastMs: 0, lagsMs: [], ended: false }));
    return run;
  };
  const messages = await consumer.consume();
  void (async () => {
    for await (const m of messages) {
      const now = Date.now();
      const run = runOf(m.headers?.get('Daq-Run') ?? '');
      if (run.docs === 0) run.firstMs = performance.now();
      run.docs++;
      run.lastMs = performance.now();
      const name = m.headers?.get('Daq-Document');
      if (name === 'event') run.lagsMs.push(now - (m.json<{ time: number }>().time * 1000));
      if (name === 'stop') {
        run.ended = true;
        run.done?.();
      }
    }
  })();
  return {
    stopped: (uid) =>
      new Promise((resolve) => {
        const run = runOf(uid);
        if (run.ended) resolve(run);
        else run.done = () => resolve(run);
      }),
    close: async () => {
      messages.stop();
      await nc.close();
    },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Runs the benchmarks and prints their figures. */
export async function benchCluster(print = report): Promise<void> {
  const nats = await startNats();
  const alone = await BenchDaemon.start();
  const clustered = await BenchDaemon.start(['--cluster', nats.url, '--name', 'bench-1', '--lab', LAB]);
  try {
    await clustered.run(FAST(10)); // the stream exists; warm
    const consumer = await follow(nats.url);
    const points = 20_000;

    // Publication alone: the run's documents wait in the daemon while its server is frozen
    // (SIGSTOP), then go out with acks as fast as they can (what catching up costs).
    nats.child.kill('SIGSTOP');
    const fast = await clustered.run(FAST(points));
    nats.child.kill('SIGCONT');
    const seen = await consumer.stopped(fast.run.uid);
    const seconds = (seen.lastMs - seen.firstMs) / 1000;
    print('documents published with JetStream acks (catching up), per second', seen.docs / seconds, 'docs/s', `${seen.docs} documents of a ${points}-event run, recorded in ${fast.wallS.toFixed(2)} s while the server was frozen`);

    const scalar = await clustered.run(PACED(30_000, 10_000));
    const slow = await consumer.stopped(scalar.run.uid);
    const rate = 30_000 / scalar.wallS;
    print('consumer lag during a 10 kHz scalar stream, p50', percentile(slow.lagsMs, 50), 'ms', `${rate.toFixed(0)} events/s reached, for ${scalar.wallS.toFixed(1)} s`);
    print('consumer lag during a 10 kHz scalar stream, p99', percentile(slow.lagsMs, 99), 'ms');
    await consumer.close();

    // Does publication slow a run? The same run, three ways (medians of 3).
    const median = async (daemon: BenchDaemon): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) times.push((await daemon.run(FAST(points))).wallS);
      return percentile(times, 50);
    };
    const withoutS = await median(alone);
    const withS = await median(clustered);
    nats.child.kill('SIGSTOP');
    const frozenS = await median(clustered);
    nats.child.kill('SIGCONT');
    print(`${points}-event run without a cluster`, withoutS * 1000, 'ms');
    print(`the same run, published to JetStream`, withS * 1000, 'ms', `ratio ${(withS / withoutS).toFixed(2)}`);
    print(`the same run, its NATS server frozen (SIGSTOP)`, frozenS * 1000, 'ms', `ratio ${(frozenS / withoutS).toFixed(2)}`);
  } finally {
    await alone.stop();
    await clustered.stop();
    nats.child.kill('SIGKILL');
    await rm(nats.dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCluster();
