/**
 * Plans treat remote devices as local ones: a lab whose stage and power meter are remote devices
 * (over loopback endpoints to an owner lab, through the real wire codec) runs a lineScan of the
 * stage reading the power meter at each point, on the run engine, with the units and shapes
 * recorded as for local devices.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/index.js';
import { defineDriver, type Device, Lab, parseLabConfig } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { remoteOptions, withDriver } from '../../drivers/remote/index.js';
import { RunEngine, type RunDocument } from '../../engine/index.js';
import { loopback } from './loopback.fixture.js';
import { RemoteDevice } from './remote-device.js';

const OWNER_LAB = `[devices.stage]\ndriver = "sim-stage"\nmax = 20\n\n[devices.laser]\ndriver = "sim-laser"\n\n[devices.power_meter]\ndriver = "sim-power-meter"\n`;
const CALLER_LAB = `[devices.remote_stage]\ndriver = "remote"\ndaemon = "owner-pc"\ndevice = "stage"\n\n[devices.remote_meter]\ndriver = "remote"\ndaemon = "owner-pc"\ndevice = "power_meter"\n`;

describe('plans with remote devices', () => {
  it('a lineScan of a remote stage and a remote power meter records as with local devices', async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const owner = Lab.create(parseLabConfig(OWNER_LAB, 'owner.toml', DRIVERS), DRIVERS, clock);
    await owner.connect();
    const driver = defineDriver({
      name: 'remote',
      summary: 'remote over a loopback',
      options: remoteOptions,
      create: (name, options): Device => new RemoteDevice(name, loopback(owner.device(options.device), options.daemon), { timeoutS: 5, heartbeatS: 60 }),
    });
    const catalog = withDriver(DRIVERS, driver);
    const lab = Lab.create(parseLabConfig(CALLER_LAB, 'caller.toml', catalog), catalog, clock);
    const report = await lab.connect();
    expect(report.failures).toBeUndefined();
    const engine = new RunEngine(lab, clock);
    const documents: RunDocument[] = [];
    engine.onDocument(({ document }) => documents.push(document));
    try {
      const stop = await engine.submit({ scriptName: 'scan.js', source: `lineScan(remote_stage, remote_meter, { start: 0, stop: 10, num: 6, stream: 'scan' });` }).done;
      expect(stop.reason).toBe("");
      expect(stop).toMatchObject({ exitStatus: 'success', numEvents: { scan: 6 } });
      const descriptor = documents.find((d) => d.kind === 'descriptor');
      if (descriptor?.kind !== 'descriptor') throw new Error('no descriptor');
      expect(descriptor.dataKeys).toMatchObject({ remote_stage: { units: 'mm', source: 'remote_stage' }, remote_meter: { shape: [], units: 'W' } });
      // the settings of the owner's devices, read through the proxies, are the run's configuration
      expect(descriptor.configuration?.['remote_stage']?.data).toMatchObject({ remote_stage_velocity: 5 });
      const stage = owner.device('stage') as unknown as { position(): Promise<number> };
      expect(await stage.position()).toBeCloseTo(10, 6);
    } finally {
      await lab.disconnect();
      await owner.disconnect();
    }
  });
});
