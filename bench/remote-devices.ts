/**
 * Remote devices over NATS (issue 18, part 4), against a local nats-server (Debian's, started
 * here): the round trip of one device call through NATS (a remote stage's `position()`) against
 * the same call on the local device, p50/p99; and a 1,000-point step scan (move a stage, read a
 * power meter) with both devices remote against the same scan local: the per-point overhead.
 * The owner and the caller are two connections in this process (the server between them).
 * Run: `node dist/bench/remote-devices.js` (after `make build`). Prints figures, asserts nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMovable, isReadable, type Movable, type Readable } from '../src/capabilities/index.js';
import { connectCluster } from '../src/cluster/connection.js';
import { serveDevices } from '../src/cluster/remote/device-service.js';
import { RemoteDevice } from '../src/cluster/remote/remote-device.js';
import { NatsEndpoint } from '../src/cluster/remote/remote-endpoint.js';
import { createSystemClock } from '../src/core/index.js';
import { Lab, parseLabConfig } from '../src/devices/index.js';
import { DRIVERS } from '../src/drivers/index.js';
import { percentiles, report } from './report.js';

const LAB = `[devices.stage]
driver = "sim-stage"
max = 100
settle_time = 0
settings = { velocity = 10000, acceleration = 1000000 }

[devices.laser]
driver = "sim-laser"

[devices.power_meter]
driver = "sim-power-meter"
averaging_time = 0
`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}


async function scanUs(stage: Movable, meter: Readable, points: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < points; i++) {
    await stage.moveAbs((i % 100) * 0.01);
    await meter.read();
  }
  return ((performance.now() - t0) * 1000) / points;
}

const dir = mkdtempSync(join(tmpdir(), 'daq-bench-nats-'));
const port = await freePort();
const server: ChildProcess = spawn('nats-server', ['-js', '-sd', join(dir, 'js'), '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
try {
  const url = `nats://127.0.0.1:${port}`;
  let owner;
  for (let i = 0; owner === undefined; i++) {
    owner = await connectCluster({ url, lab: 'bench', daemon: 'owner', timeoutMs: 1000 }).catch((error: unknown) => {
      if (i > 100) throw error;
      return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100));
    });
  }
  const caller = await connectCluster({ url, lab: 'bench', daemon: 'caller' });
  const lab = Lab.create(parseLabConfig(LAB, 'bench.toml', DRIVERS), DRIVERS, createSystemClock());
  await lab.connect();
  const service = await serveDevices(owner.nc, { lab: 'bench', daemon: 'owner', devices: lab.devices() });
  const remote = (device: string): RemoteDevice =>
    new RemoteDevice(`remote_${device}`, new NatsEndpoint(() => caller.nc, Promise.resolve(), 'bench', 'owner', device, { daemon: 'caller', runUid: () => undefined }), { timeoutS: 10, heartbeatS: 5 });
  const [remoteStage, remoteMeter] = [remote('stage'), remote('power_meter')];
  await remoteStage.connect(new AbortController().signal);
  await remoteMeter.connect(new AbortController().signal);
  const stage = lab.device('stage');
  const meter = lab.device('power_meter');
  if (!isMovable(stage) || !isReadable(meter) || !isMovable(remoteStage) || !isReadable(remoteMeter)) throw new Error('the bench lab has no stage or power meter');
  await (lab.device('laser') as unknown as { enableEmission(): Promise<void> }).enableEmission();

  const local = await percentiles(5000, 1000, () => stage.position());
  const overNats = await percentiles(5000, 1000, () => remoteStage.position());
  report('device call, local (sim stage position()), p50', local.p50, 'us', '5000 calls');
  report('device call, local, p99', local.p99, 'us');
  report('device call through NATS (remote position()), p50', overNats.p50, 'us', '5000 calls, one host');
  report('device call through NATS, p99', overNats.p99, 'us');

  const points = 1000;
  await scanUs(stage, meter, 100);
  const localScan = await scanUs(stage, meter, points);
  await scanUs(remoteStage, remoteMeter, 100);
  const remoteScan = await scanUs(remoteStage, remoteMeter, points);
  report('step scan, local stage + power meter, per point', localScan, 'us', `${points} points: moveAbs + read`);
  report('step scan, both remote through NATS, per point', remoteScan, 'us', `${points} points`);
  report('per-point overhead of remote devices', remoteScan - localScan, 'us', `${(remoteScan / localScan).toFixed(1)}x local`);

  await remoteStage.disconnect();
  await remoteMeter.disconnect();
  await service.stop();
  await lab.disconnect();
  await caller.close();
  await owner.close();
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
