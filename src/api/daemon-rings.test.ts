/**
 * The daemon's ring in /dev/shm over its life, with real daemon processes: a clean stop with
 * every run in its HDF5 file leaves no ring behind; a daemon killed with SIGKILL leaves its ring,
 * and the next daemon on the data directory recovers the run from it; `daq rings` tells which
 * rings are stale and removes only those.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonRingPath, exportRunFile, readRingFile, RingReader, RingWriter, sharedMemoryDir } from '../data/index.js';
import { ControlService } from './gen/daq/v1/control_pb.js';
import { type DaemonProcess, followRun, inlineRun, ROOT, scanRun, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

const DAQ = join(ROOT, 'dist/src/cli/main.js');

/** Runs `daq args...` to its end; returns its exit and stdout. */
async function daq(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = processes.spawnNode([DAQ, ...args]);
  const { code } = await proc.exited;
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

/** The catalog entries of a data directory, read without a daemon. */
async function storedRuns(dataDir: string): Promise<{ uid: string; file: string; fileFinished: boolean; numEvents: Record<string, number> }[]> {
  const { code, stdout, stderr } = await daq('runs', '--data-dir', dataDir, '--json');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return (JSON.parse(stdout) as { runs: { uid: string; file: string; fileFinished: boolean; numEvents: Record<string, number> }[] }).runs;
}

/** The `point` column of a run file, read back from the HDF5 file. */
async function pointsInFile(file: string): Promise<string[]> {
  let csv = '';
  for await (const chunk of exportRunFile(file, 'csv').chunks) csv += Buffer.from(chunk).toString();
  const [header = '', ...lines] = csv.trim().split('\n');
  const column = header.split(',').indexOf('point');
  return lines.map((line) => line.split(',')[column] ?? '');
}

interface RingsJson {
  rings: { path: string; writerAlive: boolean; closed: boolean; owner: string; verdict: string; reason: string }[];
  removed: string[];
}

async function rings(dir: string, ...more: string[]): Promise<RingsJson> {
  const { code, stdout, stderr } = await daq('rings', '--dir', dir, '--json', ...more);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as RingsJson;
}

/** Rows of stream `scan` in the ring at `path`. */
function rowsInRing(path: string): number {
  const reader = RingReader.open(path);
  try {
    return reader.streams().includes('scan') ? reader.latest('scan', 1_000_000).numRows : 0;
  } finally {
    reader.close();
  }
}

/** Starts a run that records `events` rows and then waits for an hour; resolves once they are all in the ring at `ring`. */
async function holdingRun(daemon: DaemonProcess, ring: string, events: number): Promise<string> {
  const source = `for (let i = 0; i < ${events}; i++) record('scan', { point: i });\nsleep(3600);\n`;
  const { run } = await daemon.client().call(ControlService.method.startRun, inlineRun(source, {}, 'hold.js'));
  await expect.poll(() => rowsInRing(ring), { timeout: 60_000 }).toBe(events);
  return run?.uid ?? '';
}

describe('the ring of a daemon', () => {
  it('is at its default path in /dev/shm while the daemon runs, and gone after a clean stop that wrote every run', async () => {
    // A stale ring in /dev/shm (closed, its data directory gone): the daemon warns of it at start.
    const stale = RingWriter.create({ path: join(sharedMemoryDir(), `ts-daq-test-stale-${process.pid}.ring`), capacityBytes: 65536, owner: '/nonexistent/daq-data' });
    processes.defer(() => rm(stale.path, { force: true }));
    stale.close();
    const dir = await processes.labDir();
    const daemon = await startDaemonProcess(processes, dir, { ring: 'default' });
    expect(daemon.proc.stderr).toMatch(/warn: \d+ stale rings? in \/dev\/shm holds? [\d.]+ MiB of RAM: see them with `daq rings`, remove them with `daq rings --remove-stale`/);
    const ring = daemonRingPath(daemon.dataDir);
    processes.defer(() => rm(ring, { force: true })); // only if the test fails
    expect(ring.startsWith(`${sharedMemoryDir()}/ts-daq-`)).toBe(true);
    expect(readRingFile(ring)).toMatchObject({ owner: daemon.dataDir, writerPid: daemon.proc.child.pid, writerAlive: true, closed: false, problem: '' });

    const client = daemon.client();
    const { run } = await client.call(ControlService.method.startRun, scanRun(5));
    await followRun(client, run?.uid ?? '');
    expect(await daemon.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    expect(existsSync(ring)).toBe(false);
    expect(daemon.proc.stderr).toContain(`removed the ring ${ring}: every run is in its file`);
    const [stored] = await storedRuns(daemon.dataDir);
    expect(stored).toMatchObject({ uid: run?.uid, fileFinished: true, numEvents: { scan: 5 } });
    expect(await pointsInFile(stored?.file ?? '')).toEqual(['0', '1', '2', '3', '4']);
  }, 120_000);

  it('survives SIGKILL, is recovered from by the next daemon on its data directory, and daq rings removes only stale rings', async () => {
    const ringDir = await mkdtemp(join(sharedMemoryDir(), 'ts-daq-test-rings-'));
    processes.defer(() => rm(ringDir, { recursive: true, force: true }));
    const [dirA, dirB] = [await processes.labDir(), await processes.labDir()];
    const [ringA, ringB] = [join(ringDir, 'ts-daq-a.ring'), join(ringDir, 'ts-daq-b.ring')];

    const a = await startDaemonProcess(processes, dirA, { ring: ringA });
    const uid = await holdingRun(a, ringA, 20);
    const b = await startDaemonProcess(processes, dirB, { ring: ringB });
    expect((await rings(ringDir)).rings.map((r) => [r.path, r.verdict])).toEqual([
      [ringA, 'in use'],
      [ringB, 'in use'],
    ]);
    expect(await a.proc.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await b.proc.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await rm(b.dataDir, { recursive: true });

    // A's ring holds a run its file lacks: kept. B's data directory is gone: stale.
    const seen = await rings(ringDir);
    expect(seen.rings).toEqual([
      expect.objectContaining({ path: ringA, owner: a.dataDir, writerAlive: false, closed: false, verdict: 'kept' }),
      expect.objectContaining({ path: ringB, owner: b.dataDir, writerAlive: false, closed: false, verdict: 'stale', reason: expect.stringContaining(`its data directory ${b.dataDir} is gone`) }),
    ]);
    expect(seen.rings[0]?.reason).toContain(`1 run of ${a.dataDir} not completely written`);
    const removal = await rings(ringDir, '--remove-stale');
    expect(removal.removed).toEqual([ringB]);
    expect(removal.rings.map((r) => r.path)).toEqual([ringA]);
    expect(existsSync(ringA)).toBe(true);

    // The next daemon on A's data directory finishes the run from the ring, then replaces it.
    const again = await startDaemonProcess(processes, dirA, { ring: ringA });
    expect(again.proc.stderr).toContain(`recovered run ${uid} left unfinished by a daemon that died`);
    const [recovered] = await storedRuns(a.dataDir);
    expect(recovered).toMatchObject({ uid, fileFinished: true });
    expect(await pointsInFile(recovered?.file ?? '')).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect((await rings(ringDir)).rings).toEqual([expect.objectContaining({ path: ringA, verdict: 'in use' })]);
    expect(await again.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(ringA)).toBe(false);
    expect((await rings(ringDir)).rings).toEqual([]);
  }, 180_000);
});
