/**
 * Daemons announce themselves to this user's programs (the desktop app, `daq daemons`), with real
 * daemon processes: the file is there once the daemon says it listens, and says where its gRPC and
 * dashboard are; `daq daemons` lists it; a clean stop removes the file; the file of a daemon that
 * died is skipped (shown with --all), and the next daemon to start removes it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { daemonsDir, findDaemons } from '../cli/daemon-discovery.js';
import { ROOT, startDaemonProcess, TestProcesses, writeTokens } from './daemon.fixture.js';

const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

// A directory of this file's own: other test files' daemons (which share the run's) starting
// meanwhile would remove the stale file this file plants.
const shared = process.env['DAQ_DAEMONS_DIR'];
beforeAll(async () => {
  process.env['DAQ_DAEMONS_DIR'] = await mkdtemp(join(tmpdir(), 'daq-discovery-test-'));
});
afterAll(async () => {
  await rm(process.env['DAQ_DAEMONS_DIR'] ?? '', { recursive: true, force: true });
  if (shared === undefined) delete process.env['DAQ_DAEMONS_DIR'];
  else process.env['DAQ_DAEMONS_DIR'] = shared;
});

const DAQ = join(ROOT, 'dist/src/cli/main.js');

/** `daq daemons args...` to its end. */
async function daqDaemons(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = processes.spawnNode([DAQ, 'daemons', ...args]);
  const { code } = await proc.exited;
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

/** A pid no process has any more: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('daemon discovery', () => {
  it('announces a daemon once it listens, lists it in daq daemons, and removes the file at a clean stop', async () => {
    const dir = await processes.labDir();
    const tokens = await writeTokens(dir, [{ name: 'olivia', role: 'operator', token: 'discovery-token-0123456789' }]);
    const daemon = await startDaemonProcess(processes, dir, { http: true, tokensFile: tokens });
    const pid = daemon.proc.child.pid ?? 0;
    const file = join(daemonsDir(), `${pid}.json`);
    const [, dashboard = ''] = await daemon.proc.waitFor(/dashboard: (http:\/\/\S+)\/\n/, 'stderr');
    const announced = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(announced).toEqual({
      pid,
      grpc: daemon.address,
      http: dashboard,
      lab: 'api test lab',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      auth: true,
      dataDir: daemon.dataDir,
      config: join(dir, 'lab.toml'),
      started: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });

    const listed = await daqDaemons('--json');
    expect(listed.code).toBe(0);
    const json = JSON.parse(listed.stdout) as { dir: string; daemons: { pid: number; alive: boolean; http: string }[] };
    expect(json.dir).toBe(daemonsDir());
    expect(json.daemons.find((d) => d.pid === pid)).toMatchObject({ alive: true, http: dashboard });
    const table = await daqDaemons();
    expect(table.stdout).toMatch(/^LAB +GRPC +DASHBOARD +PID +VERSION +TOKENS +STARTED\n/);
    expect(table.stdout).toMatch(new RegExp(`^api test lab +${daemon.address} +${dashboard} +${pid} +\\S+ +yes +\\S+$`, 'm'));

    expect(await daemon.proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(file)).toBe(false);
  }, 120_000);

  it("skips the file of a daemon that died, shows it with --all, and the next daemon removes it", async () => {
    const pid = deadPid();
    const stale = join(daemonsDir(), `${pid}.json`);
    await writeFile(stale, JSON.stringify({ pid, grpc: '127.0.0.1:1', http: null, lab: 'gone lab', version: '0.0.0', auth: false, dataDir: '/nowhere', config: '/nowhere/lab.toml', started: '2026-01-01T00:00:00.000Z' }));
    expect(findDaemons().find((d) => d.pid === pid)).toMatchObject({ alive: false, lab: 'gone lab' });
    expect((await daqDaemons()).stdout).not.toMatch(/gone lab/);
    expect((await daqDaemons('--all')).stdout).toMatch(new RegExp(`^gone lab +127\\.0\\.0\\.1:1 +${pid} +dead `, 'm'));

    await startDaemonProcess(processes, await processes.labDir());
    expect(existsSync(stale)).toBe(false);
  }, 120_000);
});
