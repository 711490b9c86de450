/**
 * The run queue survives the daemon: a daemon killed with SIGKILL (or stopped) while runs wait
 * leaves them in its data directory's queue.json, and the next daemon on that directory queues
 * them again, in order, with their uids; the run that was running is not started again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlService, RunState } from './gen/daq/v1/control_pb.js';
import { ExitStatus } from './gen/daq/v1/documents_pb.js';
import { followRun, inlineRun, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

// Runs until aborted: holds the queue behind it.
const HOLD = `for (let i = 0; ; i++) { record('hold', { i }); sleep(0.05); }`;
const mark = (name: string) => `record('order', { at: now() }); log('${name} ran');`;

describe('the saved queue', () => {
  it('a daemon killed with SIGKILL: the next one queues the waiting runs again, in order, and does not start the running one again', async () => {
    const dir = await processes.labDir();
    const a = await startDaemonProcess(processes, dir);
    const client = a.client();
    const { run: holding } = await client.call(ControlService.method.startRun, inlineRun(HOLD, {}, 'hold.js'));
    const queued: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      const { run } = await client.call(ControlService.method.startRun, inlineRun(mark(name), {}, `${name}.js`));
      queued.push(run?.uid ?? '');
    }
    // the user moves the third to the front, then removes the second
    await client.call(ControlService.method.moveInQueue, { uid: queued[2] ?? '', index: 0 });
    await client.call(ControlService.method.removeFromQueue, { uid: queued[1] ?? '' });
    const saved = JSON.parse(await readFile(join(a.dataDir, 'queue.json'), 'utf8')) as { runs: { uid: string; scriptName: string }[] };
    expect(saved.runs.map((r) => r.scriptName)).toEqual(['third.js', 'first.js']);
    expect(await a.proc.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const b = await startDaemonProcess(processes, dir);
    const again = b.client();
    for (const uid of [queued[2], queued[0]]) expect(b.proc.stderr).toContain(`queued again run ${uid}`);
    const third = await followRun(again, queued[2] ?? '');
    const first = await followRun(again, queued[0] ?? '');
    expect([third.stop?.exitStatus, first.stop?.exitStatus]).toEqual([ExitStatus.SUCCESS, ExitStatus.SUCCESS]);
    expect(third.stop?.timeS).toBeLessThan(first.events[0]?.timeS ?? 0);
    const { runs } = await again.call(ControlService.method.listRuns, {});
    // the removed run and the run that was running are not run again by this daemon
    expect(runs.map((r) => r.uid)).not.toContain(queued[1]);
    expect(runs.filter((r) => r.uid === holding?.uid && r.state !== RunState.FINISHED)).toEqual([]);
    expect(b.proc.stderr).not.toContain(`run ${holding?.uid ?? ''} (hold.js) ended`);
    const { runs: waiting } = await again.call(ControlService.method.listQueue, {});
    expect(waiting).toEqual([]);
    expect(JSON.parse(await readFile(join(a.dataDir, 'queue.json'), 'utf8'))).toMatchObject({ runs: [] });
    expect(await b.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('a daemon stopped with SIGTERM keeps its waiting runs for the next one', async () => {
    const dir = await processes.labDir();
    const a = await startDaemonProcess(processes, dir, { args: ['--grace', '0'] });
    const client = a.client();
    await client.call(ControlService.method.startRun, inlineRun(HOLD, {}, 'hold.js'));
    const { run: waiting } = await client.call(ControlService.method.startRun, inlineRun(mark('later'), {}, 'later.js'));
    expect(await a.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const b = await startDaemonProcess(processes, dir);
    const followed = await followRun(b.client(), waiting?.uid ?? '');
    expect(followed.stop?.exitStatus).toBe(ExitStatus.SUCCESS);
    expect(await b.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  }, 180_000);
});
