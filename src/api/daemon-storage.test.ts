/**
 * Run files through the real daemon's API: a run's summary names its finished file, the run
 * catalog brings the runs of an earlier daemon back after a restart (ListRuns, GetRun), and
 * ExportRun streams a run as CSV.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlService, ExportFormat, RunState } from './gen/daq/v1/control_pb.js';
import { ExitStatus } from './gen/daq/v1/documents_pb.js';
import { followRun, ROOT, scanRun, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

describe('run storage through the API', () => {
  it('a finished run has its file; after a restart the catalog still lists it and ExportRun gives its events', async () => {
    const dir = await processes.labDir();
    const first = await startDaemonProcess(processes, dir);
    const client = first.client();
    const { run } = await client.call(ControlService.method.startRun, scanRun(5));
    const uid = run?.uid ?? '';
    await followRun(client, uid);
    // The file is finished by the writer thread shortly after the run's stop.
    await expect.poll(async () => (await client.call(ControlService.method.getRun, { uid })).run?.fileFinished, { timeout: 60_000, interval: 50 }).toBe(true);
    const summary = (await client.call(ControlService.method.getRun, { uid })).run;
    expect(summary).toMatchObject({ fileFinished: true, eventsLost: 0, storageError: '' });
    expect(summary?.filePath).toMatch(new RegExp(`${first.dataDir}/runs/\\d{4}-\\d\\d-\\d\\d/\\d{6}_scan_${uid.slice(0, 8)}\\.h5$`));
    expect(summary?.fileSizeBytes).toBeGreaterThan(0);
    const info = await client.call(ControlService.method.getDaemonInfo, {});
    expect(info.storage).toMatchObject({ runsDir: `${first.dataDir}/runs`, error: '' });
    expect(info.storage?.freeBytes).toBeGreaterThan(0);
    expect(await first.proc.stop()).toEqual({ code: 0, signal: null });
    const offline = processes.spawnNode([join(ROOT, 'dist/src/cli/main.js'), 'runs', '--data-dir', first.dataDir, '--json']);
    expect(await offline.exited).toEqual({ code: 0, signal: null });
    expect((JSON.parse(offline.stdout) as { runs: unknown[] }).runs).toEqual([expect.objectContaining({ uid, file: summary?.filePath, fileFinished: true, numEvents: { scan: 5 } })]);

    const second = await startDaemonProcess(processes, dir);
    const again = second.client();
    const { runs } = await again.call(ControlService.method.listRuns, {});
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ uid, scriptName: 'scan.js', state: RunState.FINISHED, exitStatus: ExitStatus.SUCCESS, numEvents: { scan: 5 }, filePath: summary?.filePath, fileFinished: true });
    expect((await again.call(ControlService.method.getRun, { uid: uid.slice(0, 8) })).run?.uid).toBe(uid); // a unique prefix will do
    const chunks: Uint8Array[] = [];
    let fileName = '';
    for await (const response of again.stream(ControlService.method.exportRun, { runUid: uid, format: ExportFormat.CSV })) {
      fileName ||= response.fileName;
      chunks.push(response.chunk);
    }
    const lines = Buffer.concat(chunks).toString().trim().split('\n');
    expect(fileName).toBe(`${summary?.filePath.split('/').at(-1)?.replace(/\.h5$/, '')}.csv`);
    expect(lines[0]).toBe('seq_num,time (s),point,position'); // units in the header: time (s)
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['0', '1', '2', '3', '4']);
    await expect(async () => {
      for await (const _ of again.stream(ControlService.method.exportRun, { runUid: uid, format: ExportFormat.UNSPECIFIED })) void _;
    }).rejects.toThrow(/give a format/);
  }, 180_000);

  it('a daemon that cannot start exits: its writer thread does not keep it alive', async () => {
    const dir = await processes.labDir();
    const first = await startDaemonProcess(processes, dir);
    const other = await processes.labDir();
    const second = processes.spawnNode([join(ROOT, 'dist/src/cli/main.js'), 'daemon', '--config', join(other, 'lab.toml'), '--listen', first.address, '--data-dir', join(other, 'data'), '--ring', join(other, 'ring'), '--ring-size', '8']);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    expect(second.stderr).toContain(`cannot listen on ${first.address}`);
  }, 120_000);
});
