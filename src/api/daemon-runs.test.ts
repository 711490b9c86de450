/**
 * Runs in the real daemon (a child process) with real clients over real sockets: runs survive
 * their clients, every client sees every event in order, and a stalled client slows nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlService, RunState } from './gen/daq/v1/control_pb.js';
import { ExitStatus } from './gen/daq/v1/documents_pb.js';
import {
  type DaemonProcess,
  type FollowerLine,
  followRun,
  oneTo,
  runOutline,
  scanRun,
  StalledStream,
  startDaemonProcess,
  TestProcesses,
  writeFollowerScript,
} from './daemon.fixture.js';

const perTest = new TestProcesses();
afterEach(() => perTest.cleanup());

describe('a daemon shared by clients that come, go, crash and stall', () => {
  const shared = new TestProcesses();
  let dir = '';
  let daemon: DaemonProcess;
  let follower = '';

  beforeAll(async () => {
    dir = await shared.labDir();
    daemon = await startDaemonProcess(shared, dir);
    follower = await writeFollowerScript(dir);
  }, 120_000);
  afterAll(() => shared.cleanup());

  it('a run goes on and completes when its only client is killed with SIGKILL mid-stream', async () => {
    const points = 100; // ~5.5 s of stage moves: the kill comes long before the end, even on a loaded machine
    const client = perTest.spawnNode([follower, daemon.address, 'start', JSON.stringify(scanRun(points))]);
    const [, uid = ''] = await client.waitFor(/"run":"([^"]+)"/);
    await client.waitFor(/"event":3\b/);
    client.child.kill('SIGKILL');
    const killedAtS = Date.now() / 1000;
    expect(await client.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const seenByKilled = client.jsonLines<FollowerLine>().filter((line) => line.event !== undefined).length;

    const followed = await followRun(daemon.client(), uid);
    expect(runOutline(followed)).toEqual({ exitStatus: 'SUCCESS', numEvents: { scan: points }, seqNums: oneTo(points), indexes: 'consecutive from 0', lastIsStop: true });
    const { run } = await daemon.client().call(ControlService.method.getRun, { uid });
    expect(run).toMatchObject({ state: RunState.FINISHED, exitStatus: ExitStatus.SUCCESS, numEvents: { scan: points } });
    // The kill came while the run was going: the client had seen only part of it, and the run
    // recorded events (and stopped) after the kill.
    expect(seenByKilled).toBeLessThan(points);
    expect(followed.stop?.timeS).toBeGreaterThan(killedAtS);
    expect(followed.events.filter((e) => e.timeS > killedAtS).length).toBeGreaterThan(0);
    expect(daemon.proc.stderr).toContain(`run ${uid} (scan.js) ended: success`);
  });

  it('two clients following the same run both see every event, in order', async () => {
    const points = 20;
    const { run } = await daemon.client().call(ControlService.method.startRun, scanRun(points));
    const uid = run?.uid ?? '';
    const clients = [0, 1].map(() => perTest.spawnNode([follower, daemon.address, 'follow', uid]));
    const exits = await Promise.all(clients.map((c) => c.exited));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const client of clients) {
      const lines = client.jsonLines<FollowerLine>();
      const stop = lines.at(-1)?.stop;
      const seqNums = lines.flatMap((line) => (line.event === undefined ? [] : [line.event]));
      expect(stop).toEqual({ exitStatus: ExitStatus.SUCCESS, numEvents: { scan: points } });
      expect(seqNums).toEqual(oneTo(points));
      expect(seqNums.length).toBe(stop?.numEvents['scan']);
    }
  });

  it('a client that never reads its stream does not delay the run, and a normal client still gets every event', async () => {
    // 1000 events of ~1 KB: ~1 MB, fifteen times the 64 KiB the stalled stream may take before
    // the daemon's writes to it must wait.
    const [points, repeat, width] = [20, 50, 100];
    const total = points * repeat;
    const client = daemon.client();
    const durationS = (documents: { start?: { timeS: number } | undefined; stop?: { timeS: number } | undefined }) => (documents.stop?.timeS ?? NaN) - (documents.start?.timeS ?? NaN);

    const alone = await client.call(ControlService.method.startRun, scanRun(points, repeat, width));
    const baseline = await followRun(client, alone.run?.uid ?? '');
    expect(runOutline(baseline).numEvents).toEqual({ scan: total });

    const { run } = await client.call(ControlService.method.startRun, scanRun(points, repeat, width));
    const uid = run?.uid ?? '';
    const stalled = StalledStream.runDocuments(daemon.address, uid);
    perTest.defer(() => stalled.close());
    const followed = await followRun(client, uid);
    expect(runOutline(followed)).toEqual({ exitStatus: 'SUCCESS', numEvents: { scan: total }, seqNums: oneTo(total), indexes: 'consecutive from 0', lastIsStop: true });
    const { run: after } = await client.call(ControlService.method.getRun, { uid });
    expect(after).toMatchObject({ state: RunState.FINISHED, exitStatus: ExitStatus.SUCCESS });
    console.info(`run of ${total} events: ${durationS(baseline).toFixed(3)} s with one client; ${durationS(followed).toFixed(3)} s with a stalled client too`);

    // The stalled client was really behind (the run had to go on without it), and it still gets
    // everything, in order, once it reads.
    const late = await stalled.drain();
    expect(late.bytes).toBeGreaterThan(10 * 65_536);
    expect(late.grpcStatus).toBe('0');
    const lateEvents = late.messages.flatMap(({ document }) => (document?.document.case === 'event' ? [document.document.value.seqNum] : []));
    expect(lateEvents).toEqual(oneTo(total));
    expect(late.messages.at(-1)?.document?.document.case).toBe('stop');
  }, 180_000); // two runs of 1000 events through real sockets: seconds alone, much longer on a loaded machine
});
