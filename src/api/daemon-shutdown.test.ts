/**
 * SIGTERM to the real daemon while a run is going: it stops taking work, lets the run finish
 * within the grace period or aborts it safely, records the run's stop document, and exits 0,
 * whatever its clients do.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlService } from './gen/daq/v1/control_pb.js';
import type { RunDocument } from './gen/daq/v1/documents_pb.js';
import { callRaw, followRun, inlineRun, oneTo, runOutline, scanRun, StalledStream, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

const perTest = new TestProcesses();
afterEach(() => perTest.cleanup());

describe('SIGTERM while a run is going', () => {
  it('lets the run finish within the grace period, records its stop document, and exits 0', async () => {
    const dir = await perTest.labDir();
    const daemon = await startDaemonProcess(perTest, dir, { args: ['--grace', '60'] });
    const client = daemon.client();
    const points = 10;
    const { run } = await client.call(ControlService.method.startRun, scanRun(points));
    const uid = run?.uid ?? '';
    let firstEvent: () => void = () => undefined;
    const gotEvent = new Promise<void>((resolve) => (firstEvent = resolve));
    const following = followRun(client, uid, (document: RunDocument) => document.document.case === 'event' && firstEvent());
    await gotEvent;
    // Paused, the run cannot end before the signal arrives, however slow this machine is.
    await client.call(ControlService.method.pauseRun, { uid });
    daemon.proc.child.kill('SIGTERM');
    await daemon.proc.waitFor(new RegExp(`waiting up to 60 s for run ${uid} to finish`), 'stderr');
    // It takes no new work now, and says so (rather than queueing a run it will never start).
    const late = await callRaw(daemon.address, ControlService.method.startRun, scanRun(1));
    expect(late).toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'the daemon is shutting down: it takes no new runs' });
    await client.call(ControlService.method.resumeRun, { uid });

    const followed = await following;
    expect(runOutline(followed)).toEqual({ exitStatus: 'SUCCESS', numEvents: { scan: points }, seqNums: oneTo(points), indexes: 'consecutive from 0', lastIsStop: true });
    expect(await daemon.proc.exited).toEqual({ code: 0, signal: null });
    expect(daemon.proc.stderr).toContain(`run ${uid} (scan.js) ended: success`);
    expect(daemon.proc.stderr).toMatch(/stopped\n$/);
    expect(daemon.proc.stderr.match(/local: started run/g)).toHaveLength(1);
  });

  it('aborts a run that outlasts the grace period safely, records its stop document, and exits 0, even with a stalled client attached', async () => {
    const dir = await perTest.labDir();
    const daemon = await startDaemonProcess(perTest, dir, { args: ['--grace', '0.2'] });
    const client = daemon.client();
    // 300 events of ~1 KB fill the stalled client's window, then the run waits forever.
    const source = `const trace = []; for (let k = 0; k < 100; k++) trace.push(k);
for (let i = 0; i < 300; i++) record('scan', { i, trace });
log('waiting');
try { stage.moveAbs(5); sleep(3600); } finally { log('cleaned up'); }
`;
    const { run } = await client.call(ControlService.method.startRun, inlineRun(source, {}, 'forever.js'));
    const uid = run?.uid ?? '';
    const stalled = StalledStream.runDocuments(daemon.address, uid);
    perTest.defer(() => stalled.close());
    // The follower has every event before the shutdown (on a busy machine it may lag the run):
    // what is checked is that the stop document still reaches it, with a stalled client attached.
    let events = 0;
    let allEvents: () => void = () => undefined;
    const haveAll = new Promise<void>((resolve) => (allEvents = resolve));
    const following = followRun(client, uid, (document) => {
      if (document.document.case === 'event' && ++events === 300) allEvents();
    });
    await daemon.proc.waitFor(/\] waiting\n/, 'stderr');
    await haveAll;
    daemon.proc.child.kill('SIGTERM');

    const followed = await following;
    expect(runOutline(followed)).toEqual({ exitStatus: 'ABORT', numEvents: { scan: 300 }, seqNums: oneTo(300), indexes: 'consecutive from 0', lastIsStop: true });
    expect(followed.stop?.reason).toBe('the daemon is shutting down');
    expect(await daemon.proc.exited).toEqual({ code: 0, signal: null });
    expect(daemon.proc.stderr).toContain(`run ${uid} still running after 0.2 s: aborting it safely`);
    expect(daemon.proc.stderr).toContain('cleaned up');
    expect(daemon.proc.stderr).toContain('stage: put in its safe state');
  });
});
