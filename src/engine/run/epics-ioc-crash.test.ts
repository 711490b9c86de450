/**
 * An EPICS IOC killed in the middle of a scan: a real caproto IOC (started here, on loopback)
 * serves the motor record the scan moves. The motor goes faulted naming the PV, the run ends
 * `fail` saying so, the points recorded before are kept, and the motor reconnects by itself once
 * the IOC is back on its port. Real CA (epics-tca), the system clock.
 */
import { describe, expect, it } from 'vitest';
import { isMovable } from '../../capabilities/index.js';
import { createSystemClock } from '../../core/index.js';
import { Lab, parseLabConfig } from '../../devices/index.js';
import { untilState } from '../../drivers/common/wire-harness.fixture.js';
import { TestIoc } from '../../drivers/epics-ca/ioc.fixture.js';
import { DRIVERS } from '../../drivers/index.js';
import type { RunEvent } from './documents.js';
import { RunEngine } from './run-engine.js';

describe('an EPICS IOC that dies during a scan', () => {
  it('faults the motor when the IOC dies mid-scan, fails the run keeping its points, and reconnects when the IOC is back', async () => {
    const own = await TestIoc.start();
    const net = own.network;
    const source = `
[devices.theta]
driver = "epics-ca"
motor = "test:m1"
timeout = 5
addr_list = "127.0.0.1"
server_port = ${net.server_port}
repeater_port = ${net.repeater_port}

[devices.temperature]
driver = "epics-ca"
pv = "test:temp"
timeout = 5
addr_list = "127.0.0.1"
server_port = ${net.server_port}
repeater_port = ${net.repeater_port}
`;
    const clock = createSystemClock();
    const lab = Lab.create(parseLabConfig(source, 'epics.toml', DRIVERS), DRIVERS, clock);
    const report = await lab.connect();
    expect(report.failures).toBeUndefined();
    const engine = new RunEngine(lab, clock);
    const events: RunEvent[] = [];
    let killed: Promise<void> | undefined;
    engine.onDocument(({ document }) => {
      if (document.kind !== 'event') return;
      events.push(document);
      if (events.length === 4) killed = own.kill();
    });
    try {
      const run = engine.submit({ scriptName: 'scan.js', source: `lineScan(theta, temperature, { start: 0, stop: 10, num: 41, stream: 'scan' });` });
      const stop = await run.done;
      await killed;
      expect(stop.exitStatus).toBe('fail');
      expect(stop.reason).toMatch(/lost the connection to PV "test:m1/);
      expect(events.length, 'events recorded before the IOC died are kept').toBeGreaterThanOrEqual(4);
      expect(events.length).toBeLessThan(41);
      expect(events.map((e) => e.seqNum)).toEqual(events.map((_, i) => i + 1));

      const theta = lab.device('theta');
      if (!isMovable(theta)) throw new Error('theta is not Movable');
      expect(theta.state).toBe('faulted');
      expect(theta.fault?.message).toMatch(/theta: lost the connection to PV "test:m1.*" \(its IOC stopped answering\)/);

      const back = untilState(theta, 'idle');
      await own.start();
      await back;
      expect(theta.fault).toBeUndefined();
      await theta.moveAbs(3);
      expect(await theta.position()).toBeCloseTo(3, 6);
    } finally {
      await lab.disconnect();
    }
  });
});
