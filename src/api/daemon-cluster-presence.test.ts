/**
 * Presence, for real: `daq daemon --cluster` processes announce themselves in the lab's presence
 * bucket, and `daq cluster` lists them: devices, state, run; gone after a clean stop, stale after
 * SIGKILL; a daemon whose NATS server is away runs its runs and comes back when the server does.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RosterEntry } from '../cluster/roster.js';
import { freePort, NatsServer } from '../cluster/nats.fixture.js';
import { type DaemonProcess, followRun, inlineRun, ROOT, startDaemonProcess, TestProcesses } from './daemon.fixture.js';
import { ControlService } from './gen/daq/v1/control_pb.js';

const LAB = 'presence';
const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

function clusteredDaemon(dir: string, url: string, name: string): Promise<DaemonProcess> {
  return startDaemonProcess(processes, dir, { args: ['--cluster', url, '--name', name, '--lab', LAB, '--grace', '1'] });
}

/** `daq cluster --json`, run as a user would. */
async function daqCluster(url: string): Promise<{ lab: string; daemons: (RosterEntry & { statusText: string })[] }> {
  const proc = processes.spawnNode([join(ROOT, 'dist/src/cli/main.js'), 'cluster', '--cluster', url, '--lab', LAB, '--json']);
  const exit = await proc.exited;
  expect(exit.code, proc.stderr).toBe(0);
  return JSON.parse(proc.stdout) as { lab: string; daemons: (RosterEntry & { statusText: string })[] };
}

async function entryOf(url: string, name: string): Promise<(RosterEntry & { statusText: string }) | undefined> {
  return (await daqCluster(url)).daemons.find((d) => d.daemon === name);
}

describe('presence', () => {
  it('daq cluster lists each daemon with its devices, state and run; gone after a clean stop, stale after SIGKILL', async () => {
    const server = await NatsServer.start();
    const dirA = await processes.labDir();
    const dirB = await processes.labDir();
    const a = await clusteredDaemon(dirA, server.url, 'rig-a');
    const b = await clusteredDaemon(dirB, server.url, 'rig-b');
    await expect.poll(async () => (await daqCluster(server.url)).daemons.map((d) => [d.daemon, d.status])).toEqual([['rig-a', 'up'], ['rig-b', 'up']]);
    const entry = await entryOf(server.url, 'rig-a');
    expect(entry?.record).toMatchObject({ daemon: 'rig-a', lab: LAB, state: 'idle', queueLength: 0, api: a.address });
    const stage = entry?.record?.devices.find((d) => d.name === 'stage');
    expect(stage).toMatchObject({ driver: 'sim-stage', state: 'idle', units: 'mm', limits: { min: 0, max: 100 } });
    expect(stage?.capabilities).toContain('Movable');
    expect(entry?.record?.devices.map((d) => d.name)).toEqual(['stage', 'camera']);

    // A run shows while it runs.
    const { run } = await a.client().call(ControlService.method.startRun, inlineRun('for (let i = 0; i < 100000; i++) { record("s", { i }); sleep(0.01); }', {}, 'long.js'));
    await expect.poll(async () => (await entryOf(server.url, 'rig-a'))?.record?.run?.uid).toBe(run?.uid);
    expect((await entryOf(server.url, 'rig-a'))?.record).toMatchObject({ state: 'running', run: { scriptName: 'long.js', state: 'running' } });

    // A clean stop takes the daemon away at once; SIGKILL leaves it to go stale.
    await a.proc.stop('SIGTERM');
    await b.proc.stop('SIGKILL');
    const after = await daqCluster(server.url);
    expect(after.daemons.find((d) => d.daemon === 'rig-a')).toMatchObject({ status: 'gone', statusText: expect.stringMatching(/^gone \(stopped cleanly/) });
    await expect.poll(async () => (await entryOf(server.url, 'rig-b'))?.status, { timeout: 60_000, interval: 500 }).toBe('stale');
    expect((await entryOf(server.url, 'rig-b'))?.statusText).toMatch(/^stale: no heartbeat for \d+ s/);
  });

  it('a daemon starts and runs without its NATS server, joins when it comes, and announces itself again after the server restarts', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const dir = await processes.labDir();
    const daemon = await clusteredDaemon(dir, url, 'rig-1');
    await daemon.proc.waitFor(/cannot reach the NATS server at .*: trying again every 2 s; the daemon works meanwhile/, 'stderr');
    const { run } = await daemon.client().call(ControlService.method.startRun, inlineRun('record("s", { x: 1 });'));
    expect((await followRun(daemon.client(), run?.uid ?? '')).stop?.exitStatus).toBeDefined();

    const server = await NatsServer.start({ port });
    await daemon.proc.waitFor(/joined the lab cluster "presence" as daemon "rig-1"/, 'stderr');
    await expect.poll(async () => (await entryOf(url, 'rig-1'))?.status).toBe('up');

    await server.kill();
    await daemon.proc.waitFor(/lost the NATS connection/, 'stderr');
    await server.start();
    const before = Date.now();
    await expect.poll(async () => {
      const entry = await entryOf(url, 'rig-1');
      return entry?.status === 'up' && Date.parse(entry.record?.heartbeatAt ?? '') > before;
    }).toBe(true);
  });
});
