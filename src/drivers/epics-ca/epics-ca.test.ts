/**
 * The epics-ca driver against a real IOC (caproto, started by the test) over real Channel Access
 * on loopback: the conformance suites of its capabilities, limits and units from the motor
 * record, clear errors, and the IOC killed in the middle of a scan (the motor faults with the
 * reason, the run fails keeping what it recorded, the motor reconnects when the IOC is back).
 */
import { describe, expect, it } from 'vitest';
import { isMovable, isParameterized, isReadable } from '../../capabilities/index.js';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { createSystemClock } from '../../core/index.js';
import { Lab, parseLabConfig } from '../../devices/index.js';
import type { RunEvent } from '../../engine/index.js';
import { RunEngine } from '../../engine/index.js';
import { makeDevice, untilState, wireHarness } from '../common/wire-harness.fixture.js';
import { DRIVERS } from '../index.js';
import { epicsCaDriver } from './index.js';
import { TestIoc } from './ioc.fixture.js';

const ioc = await TestIoc.start();

conformanceFor('epics-ca motor record (caproto IOC)', wireHarness(epicsCaDriver, 'theta', () => ({ motor: 'test:m1', timeout: 10, ...ioc.network })));
conformanceFor('epics-ca numeric PV (caproto IOC)', wireHarness(epicsCaDriver, 'temperature', () => ({ pv: 'test:temp', timeout: 10, ...ioc.network })));
conformanceFor('epics-ca settable PV (caproto IOC)', wireHarness(epicsCaDriver, 'bias', () => ({ pv: 'test:volt', units: 'V', setting: { min: -10, max: 10 }, timeout: 10, ...ioc.network })));

describe('epics-ca', () => {
  it('takes units from EGU and limits from LLM/HLM, and refuses a move outside them before anything moves', async () => {
    const motor = makeDevice(epicsCaDriver, 'theta', { motor: 'test:m1', timeout: 10, ...ioc.network });
    if (!isMovable(motor)) throw new Error('not Movable');
    await motor.connect(AbortSignal.timeout(30_000));
    try {
      expect(motor.units).toBe('mm');
      expect(await motor.limits()).toEqual({ min: -5, max: 50 });
      const before = await motor.position();
      await expectDaqError(motor.moveAbs(60), 'out_of_range', 'theta');
      expect(motor.state).toBe('idle');
      expect(await motor.position()).toBe(before);
      await motor.moveAbs(2.5);
      expect(await motor.position()).toBeCloseTo(2.5, 6);
    } finally {
      await motor.disconnect();
    }
  });

  it('reads a PV with its EGU', async () => {
    const temp = makeDevice(epicsCaDriver, 'temperature', { pv: 'test:temp', timeout: 10, ...ioc.network });
    if (!isReadable(temp)) throw new Error('not Readable');
    await temp.connect(AbortSignal.timeout(30_000));
    try {
      const reading = await temp.read();
      expect(reading.value).toBe(21.5);
      expect(reading.units).toBe('degC');
      expect(isParameterized(temp)).toBe(false);
    } finally {
      await temp.disconnect();
    }
  });

  it('fails to connect to a PV no IOC serves, naming it', async () => {
    const ghost = makeDevice(epicsCaDriver, 'ghost', { pv: 'test:nothing', timeout: 1, ...ioc.network });
    await expect(ghost.connect(AbortSignal.timeout(30_000))).rejects.toThrow(/ghost: no IOC answered for PV "test:nothing" within 1 s/);
    await ghost.disconnect();
  });

  it('refuses options that do not say what the device is', () => {
    expect(() => epicsCaDriver.options.parse({})).toThrow(/exactly one of `motor`/);
    expect(() => epicsCaDriver.options.parse({ motor: 'a:m1', pv: 'a:t' })).toThrow(/exactly one of `motor`/);
    expect(() => epicsCaDriver.options.parse({ motor: 'a:m1', setting: { min: 0, max: 1 } })).toThrow(/`setting` and `units` go with `pv`/);
    expect(() => epicsCaDriver.options.parse({ pv: 'a b' })).toThrow(/no spaces/);
  });

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
