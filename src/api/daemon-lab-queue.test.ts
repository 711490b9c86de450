/**
 * The queue in a cluster, with real daemon processes and a real nats-server: the daemons of one
 * lab show and edit one queue (JetStream KV), each run names the daemon that runs it, a daemon
 * runs only its own runs, in the lab's order and once, also after it was killed and started
 * again; the queue cannot be edited while NATS is down, and the current run goes on meanwhile.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsServer } from '../cluster/nats.fixture.js';
import type { DaemonClient } from './client.js';
import { ControlService, RunState } from './gen/daq/v1/control_pb.js';
import { ExitStatus } from './gen/daq/v1/documents_pb.js';
import { followRun, inlineRun, type Proc, ROOT, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

const LAB_ID = 'qtest';
// Runs until stopped: holds the daemon's queue behind it.
const HOLD = `for (let i = 0; ; i++) { record('hold', { i }); sleep(0.05); }`;
const mark = (name: string) => `record('order', { at: now() }); log('${name} ran');`;

/** A daemon of the lab on `server`, ready once it has read the lab queue. */
async function clusterDaemon(server: NatsServer, name: string, dir?: string) {
  const daemon = await startDaemonProcess(processes, dir ?? (await processes.labDir()), { args: ['--cluster', server.url, '--name', name, '--lab', LAB_ID, '--grace', '0'] });
  await daemon.proc.waitFor(/the lab queue daq_qtest_queue: \d+ runs? waiting/, 'stderr');
  return daemon;
}

async function start(client: DaemonClient, name: string, source = mark(name), daemon = '') {
  const { run } = await client.call(ControlService.method.startRun, { ...inlineRun(source, {}, `${name}.js`), daemon });
  if (run === undefined) throw new Error(`no run for ${name}`);
  return run;
}

const queueOf = async (client: DaemonClient) => (await client.call(ControlService.method.listQueue, {})).runs.map((r) => `${r.scriptName}@${r.daemon}`);
/** Times `uid` ended on a daemon's stderr ("run UID (x.js) ended: ..."). */
const endings = (stderr: string, uid: string) => (stderr.match(new RegExp(`run ${uid} \\([^)]*\\) ended`, 'g')) ?? []).length;
/** Times `uid` ended on the daemon of `proc`, once it has said so (its log line may follow the stop document). */
async function endedOn(proc: Proc, uid: string): Promise<number> {
  await proc.waitFor(new RegExp(`run ${uid} \\([^)]*\\) ended`), 'stderr');
  return endings(proc.stderr, uid);
}

describe('the queue in a cluster', () => {
  it('two daemons show one queue: runs queued on B and sent from A for B are listed, moved and removed from A, and B runs them in that order, once', async () => {
    const server = await NatsServer.start();
    const [a, b] = [await clusterDaemon(server, 'a'), await clusterDaemon(server, 'b')];
    const [onA, onB] = [a.client(), b.client()];
    const hold = await start(onB, 'hold', HOLD);
    const x = await start(onB, 'x');
    const y = await start(onB, 'y');
    const z = await start(onA, 'z', mark('z'), 'b');
    expect([x.state, x.daemon, z.state, z.daemon]).toEqual([RunState.QUEUED, 'b', RunState.QUEUED, 'b']);
    expect(await queueOf(onA)).toEqual(['x.js@b', 'y.js@b', 'z.js@b']);
    await onA.call(ControlService.method.moveInQueue, { uid: z.uid, index: 0 });
    await onA.call(ControlService.method.removeFromQueue, { uid: x.uid });
    expect(await queueOf(onB)).toEqual(['z.js@b', 'y.js@b']);
    // The removed run ends on B without having started; B has the run sent from A.
    await expect.poll(async () => (await onB.call(ControlService.method.getRun, { uid: x.uid })).run?.reason).toBe('removed from the queue');
    await expect.poll(async () => (await onB.call(ControlService.method.getRun, { uid: z.uid }).catch(() => ({ run: undefined }))).run?.state).toBe(RunState.QUEUED);

    await onB.call(ControlService.method.stopRun, { uid: hold.uid });
    const [zRun, yRun] = [await followRun(onB, z.uid), await followRun(onB, y.uid)];
    expect([zRun.stop?.exitStatus, yRun.stop?.exitStatus]).toEqual([ExitStatus.SUCCESS, ExitStatus.SUCCESS]);
    expect(zRun.stop?.timeS).toBeLessThan(yRun.events[0]?.timeS ?? 0);
    expect(await queueOf(onA)).toEqual([]);
    // A ran none of them.
    const onARuns = (await onA.call(ControlService.method.listRuns, {})).runs.map((r) => r.uid);
    expect(onARuns.filter((uid) => [x.uid, y.uid, z.uid].includes(uid))).toEqual([]);
    expect([await endedOn(b.proc, x.uid), await endedOn(b.proc, y.uid), await endedOn(b.proc, z.uid)]).toEqual([1, 1, 1]);
    expect(b.proc.stderr).toContain(`run ${x.uid} (x.js) ended: abort: removed from the queue`);
  }, 240_000);

  it('B killed (SIGKILL) with runs queued: they wait in the lab queue (one more is sent while B is down), and the next B runs them in order, once', async () => {
    const server = await NatsServer.start();
    const dirB = await processes.labDir();
    const a = await clusterDaemon(server, 'a');
    const b = await clusterDaemon(server, 'b', dirB);
    const onA = a.client();
    const onB = b.client();
    const hold = await start(onB, 'hold', HOLD);
    const p = await start(onB, 'p');
    const q = await start(onB, 'q');
    expect(await b.proc.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    // B is down: a run sent for B from A's command line waits for it.
    const script = join(dirB, 'r.js');
    await writeFile(script, mark('r'));
    const cli = (...args: string[]) => processes.spawnNode([join(ROOT, 'dist/src/cli/main.js'), ...args]);
    const sent = cli('run', script, '--remote', a.address, '--on', 'b', '--json');
    expect(await sent.exited).toEqual({ code: 0, signal: null });
    const r = JSON.parse(sent.stdout) as { uid: string; state: string; daemon: string };
    expect(r).toMatchObject({ state: 'queued', daemon: 'b' });
    expect(await queueOf(onA)).toEqual(['p.js@b', 'q.js@b', 'r.js@b']);
    const listed = cli('queue', '--remote', a.address);
    expect(await listed.exited).toEqual({ code: 0, signal: null });
    expect(listed.stdout).toMatch(/POS\s+UID\s+SCRIPT\s+DAEMON\s+QUEUED AT\s+BY\n\s*1\s+\S+\s+p\.js\s+b\s/);
    await onA.call(ControlService.method.moveInQueue, { uid: q.uid, index: 0 });

    const b2 = await clusterDaemon(server, 'b', dirB);
    const again = b2.client();
    const followed = [await followRun(again, q.uid), await followRun(again, p.uid), await followRun(again, r.uid)];
    expect(followed.map((f) => f.stop?.exitStatus)).toEqual([ExitStatus.SUCCESS, ExitStatus.SUCCESS, ExitStatus.SUCCESS]);
    expect(followed[0]?.stop?.timeS).toBeLessThan(followed[1]?.events[0]?.timeS ?? 0);
    expect(followed[1]?.stop?.timeS).toBeLessThan(followed[2]?.events[0]?.timeS ?? 0);
    // Once each; the run that was running when B died is not started again.
    expect([await endedOn(b2.proc, q.uid), await endedOn(b2.proc, p.uid), await endedOn(b2.proc, r.uid)]).toEqual([1, 1, 1]);
    expect(endings(b2.proc.stderr, hold.uid)).toBe(0);
    expect((await again.call(ControlService.method.listRuns, {})).runs.filter((run) => run.uid === hold.uid && run.state !== RunState.FINISHED)).toEqual([]);
    expect(await queueOf(onA)).toEqual([]);
  }, 240_000);

  it('two daemons editing the queue at once lose no run and keep none twice; each daemon then runs its own, once', async () => {
    const server = await NatsServer.start();
    const [a, b] = [await clusterDaemon(server, 'a'), await clusterDaemon(server, 'b')];
    const [onA, onB] = [a.client(), b.client()];
    await Promise.all([onA, onB].map((client) => client.call(ControlService.method.stopQueue, {})));
    const runs = [];
    for (let i = 0; i < 6; i++) runs.push(await start(onA, `a${i}`), await start(onB, `b${i}`));
    // At once, from both daemons: every run that stays is moved by both (to different places),
    // and both remove the same four runs (of both daemons): each removal succeeds once.
    const doomed = [runs[0], runs[3], runs[6], runs[9]].map((run) => run?.uid ?? '');
    const removed = new Set(doomed);
    const staying = runs.filter((run) => !removed.has(run.uid));
    const [, removals] = await Promise.all([
      Promise.all(staying.flatMap((run, i) => [onA.call(ControlService.method.moveInQueue, { uid: run.uid, index: i }), onB.call(ControlService.method.moveInQueue, { uid: run.uid, index: staying.length - i })])),
      Promise.allSettled(doomed.flatMap((uid) => [onA, onB].map((client) => client.call(ControlService.method.removeFromQueue, { uid })))),
    ]);
    expect(removals.filter((r) => r.status === 'fulfilled')).toHaveLength(doomed.length);
    for (const refusal of removals.filter((r) => r.status === 'rejected')) expect(String(refusal.reason)).toMatch(/is not in the lab queue \(daq_qtest_queue\): it has started, or was removed/);
    const left = (await onA.call(ControlService.method.listQueue, {})).runs.map((run) => run.uid);
    expect(new Set(left).size).toBe(left.length);
    expect([...left].sort()).toEqual(runs.filter((run) => !removed.has(run.uid)).map((run) => run.uid).sort());
    expect((await onB.call(ControlService.method.listQueue, {})).runs.map((run) => run.uid)).toEqual(left);

    await Promise.all([onA, onB].map((client) => client.call(ControlService.method.startQueue, {})));
    await expect.poll(() => queueOf(onA), { timeout: 120_000, interval: 100 }).toEqual([]);
    for (const run of runs.filter((r) => !removed.has(r.uid))) {
      const daemon = run.daemon === 'a' ? a : b;
      const other = run.daemon === 'a' ? b : a;
      expect((await followRun(run.daemon === 'a' ? onA : onB, run.uid)).stop?.exitStatus).toBe(ExitStatus.SUCCESS);
      expect([await endedOn(daemon.proc, run.uid), endings(other.proc.stderr, run.uid)]).toEqual([1, 0]);
    }
  }, 240_000);

  it('NATS down: the daemon works alone (its run goes on, a run started on it runs, the lab\'s runs wait, edits are refused), and catches up when NATS is back', async () => {
    const server = await NatsServer.start();
    const b = await clusterDaemon(server, 'b');
    const onB = b.client();
    const hold = await start(onB, 'hold', HOLD);
    const waiting = await start(onB, 'w');
    await server.stop();
    await b.proc.waitFor(/lost the NATS connection/, 'stderr');
    // The listing is this daemon's runs; a run started here is queued here only.
    expect(await queueOf(onB)).toEqual(['w.js@b']);
    const alone = await start(onB, 'v');
    await b.proc.waitFor(new RegExp(`run ${alone.uid} \\(v.js\\) is queued on this daemon only: the lab queue daq_qtest_queue cannot be reached`), 'stderr');
    expect(await queueOf(onB)).toEqual(['w.js@b', 'v.js@b']);
    // Edits of the lab queue, and runs for other daemons, are refused, saying why.
    await expect(onB.call(ControlService.method.moveInQueue, { uid: waiting.uid, index: 1 })).rejects.toThrow(/cannot move run \S+ in the lab queue \(JetStream KV daq_qtest_queue\): the NATS connection is down/);
    await expect(start(onB, 'elsewhere', mark('elsewhere'), 'a')).rejects.toThrow(/the lab queue \(JetStream KV daq_qtest_queue\)/);
    expect((await onB.call(ControlService.method.getRun, { uid: hold.uid })).run?.state).toBe(RunState.RUNNING);
    // The run of the lab queue cannot be taken without NATS: the one started here runs first.
    await onB.call(ControlService.method.stopRun, { uid: hold.uid });
    expect((await followRun(onB, alone.uid)).stop?.exitStatus).toBe(ExitStatus.SUCCESS);
    expect((await onB.call(ControlService.method.getRun, { uid: waiting.uid })).run?.state).toBe(RunState.QUEUED);
    await server.start();
    expect((await followRun(onB, waiting.uid)).stop?.exitStatus).toBe(ExitStatus.SUCCESS);
    expect(b.proc.stderr).toContain('the lab queue daq_qtest_queue is reachable again');
    expect([await endedOn(b.proc, alone.uid), await endedOn(b.proc, waiting.uid)]).toEqual([1, 1]);
    expect(await queueOf(onB)).toEqual([]);
  }, 240_000);
});
