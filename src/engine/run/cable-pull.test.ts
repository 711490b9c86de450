/**
 * Pulling the cable in the middle of a scan: the ESP300's PTY vanishes under its driver after a
 * few points. The stage goes faulted with the reason, the run ends `fail` saying so, the
 * points measured before the pull are kept, and the stage reconnects by itself once the port
 * is back. Real drivers, real PTYs (socat), the system clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMovable, isReadable } from '../../capabilities/index.js';
import { createSystemClock } from '../../core/index.js';
import { Lab, parseLabConfig, type DeviceState, type DeviceStateChange } from '../../devices/index.js';
import { untilState } from '../../drivers/common/wire-harness.fixture.js';
import { DRIVERS } from '../../drivers/index.js';
import { startSerialLab, type SerialLab } from '../../drivers/serial-lab.js';
import type { RunEvent } from './documents.js';
import { RunEngine } from './run-engine.js';

let dir: string;
let bench: SerialLab;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'daq-cable-'));
  bench = await startSerialLab(dir);
});

afterAll(async () => {
  await bench?.close();
  await rm(dir, { recursive: true, force: true });
});

function labSource(): string {
  return `
[devices.stage]
driver = "newport-esp300"
port = "${dir}/esp300"
axis = 1
min = 0
max = 25
velocity = 200
acceleration = 4000
poll_interval = 0.005
timeout = 2

[devices.power_meter]
driver = "newport-1830c"
port = "${dir}/pm1830c"
`;
}

describe('a cable pulled during a scan', () => {
  it('faults the stage with the reason, fails the run keeping the data so far, and reconnects when the port returns', async () => {
    const clock = createSystemClock();
    const lab = Lab.create(parseLabConfig(labSource(), 'cable.toml', DRIVERS), DRIVERS, clock);
    const report = await lab.connect();
    expect(report.failures).toBeUndefined();
    const engine = new RunEngine(lab, clock);
    const events: RunEvent[] = [];
    const esp300 = bench.servers.get('esp300');
    if (esp300 === undefined) throw new Error('no esp300 PTY');
    let pulled: Promise<void> | undefined;
    engine.onDocument(({ document }) => {
      if (document.kind !== 'event') return;
      events.push(document);
      if (events.length === 5) pulled = esp300.unplug();
    });
    const changes: DeviceStateChange[] = [];
    lab.onStateChange((change) => changes.push(change));
    try {
      const run = engine.submit({ scriptName: 'scan.js', source: `lineScan(stage, power_meter, { start: 0, stop: 20, num: 41, stream: 'scan' });` });
      const stop = await run.done;
      await pulled;
      expect(stop.exitStatus).toBe('fail');
      expect(stop.reason).toMatch(/stage: .*(lost the connection|serial port .*esp300 was lost)/);
      expect(events.length, 'events recorded before the pull are kept').toBeGreaterThanOrEqual(5);
      expect(events.length).toBeLessThan(41);
      expect(events.map((e) => e.seqNum)).toEqual(events.map((_, i) => i + 1));

      const stage = lab.device('stage');
      if (!isMovable(stage)) throw new Error('stage is not Movable');
      expect(stage.state).toBe('faulted');
      expect(stage.fault?.message).toMatch(/stage: lost the connection: serial port .*esp300 was lost/);
      await expect(stage.position()).rejects.toMatchObject({ code: 'failed_precondition', message: expect.stringContaining('it is faulted') });
      expect(lab.device('power_meter').state).toBe('idle');

      const back = untilState(stage, 'idle');
      await esp300.plug();
      await back;
      expect(stage.fault).toBeUndefined();
      await stage.moveAbs(3);
      expect(await stage.position()).toBeCloseTo(3, 4);
      expect(changes.filter((c) => c.device === 'stage').map((c) => c.to)).toEqual(
        expect.arrayContaining(['faulted', 'connecting', 'idle']),
      );
    } finally {
      await lab.disconnect();
    }
  });

  it('notices a cable pulled while the device is idle, and reconnects it when the port returns', async () => {
    const clock = createSystemClock();
    const lab = Lab.create(parseLabConfig(labSource(), 'cable.toml', DRIVERS), DRIVERS, clock);
    await lab.connect();
    const meter = lab.device('power_meter');
    const server = bench.servers.get('pm1830c');
    if (server === undefined) throw new Error('no 1830-C PTY');
    const reached = (state: DeviceState): Promise<void> => untilState(meter, state);
    try {
      const faulted = reached('faulted');
      await server.unplug();
      await faulted;
      expect(meter.fault?.message).toMatch(/power_meter: lost the connection: serial port .*pm1830c was lost \((the device node is gone|bad file descriptor)\)/);
      const idle = reached('idle');
      await server.plug();
      await idle;
      if (!isReadable(meter)) throw new Error('not Readable');
      expect((await meter.read()).units).toBe('W');
    } finally {
      await lab.disconnect();
    }
  });

  it('keeps trying while the instrument behind a returned port does not answer yet', async () => {
    const clock = createSystemClock();
    const lab = Lab.create(parseLabConfig(labSource().replace('port = "' + dir + '/pm1830c"', 'port = "' + dir + '/pm1830c"\ntimeout = 1'), 'cable.toml', DRIVERS), DRIVERS, clock);
    await lab.connect();
    const meter = lab.device('power_meter');
    const server = bench.servers.get('pm1830c');
    if (server === undefined) throw new Error('no 1830-C PTY');
    const faults: string[] = [];
    meter.onStateChange((change) => {
      if (change.fault !== undefined) faults.push(change.fault.message);
    });
    try {
      await server.unplug();
      bench.powerMeter.silent = true;
      await server.plug();
      while (!faults.some((f) => f.includes('failed to connect'))) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(meter.state).toBe('faulted');
      expect(meter.fault?.message).toMatch(/power_meter: failed to connect: .*no reply to "W\?" within 1 s/);
      const idle = untilState(meter, 'idle');
      bench.powerMeter.silent = false;
      await idle;
      expect(meter.fault).toBeUndefined();
    } finally {
      bench.powerMeter.silent = false;
      await lab.disconnect();
    }
  });
});
