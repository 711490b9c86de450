/**
 * The epics-ca driver against a real IOC (caproto, started by the test) over real Channel Access
 * on loopback: the conformance suites of its capabilities, limits and units from the motor
 * record, clear errors,;
 * the IOC killed mid-scan is src/engine/run/epics-ioc-crash.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isMovable, isParameterized, isReadable } from '../../capabilities/index.js';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import type { DaqError } from '../../core/index.js';
import { parseLabConfig } from '../../devices/index.js';
import { makeDevice, wireHarness } from '../common/wire-harness.fixture.js';
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

  it('moves a motor record whose limits are all 0 anywhere: the record reads DHLM = DLLM = 0 as no soft limits', async () => {
    const motor = makeDevice(epicsCaDriver, 'phi', { motor: 'test:m2', timeout: 10, ...ioc.network });
    if (!isMovable(motor)) throw new Error('not Movable');
    await motor.connect(AbortSignal.timeout(30_000));
    try {
      expect(await motor.limits()).toEqual({ min: -Infinity, max: Infinity });
      await motor.moveAbs(-12.5);
      expect(await motor.position()).toBeCloseTo(-12.5, 6);
      await motor.moveRel(20);
      expect(await motor.position()).toBeCloseTo(7.5, 6);
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

  it('reports a lab config that names no PV with the file, line and device', () => {
    const source = '[devices.theta]\ndriver = "epics-ca"\ntimeout = 2\n';
    let problems: DaqError[] = [];
    try {
      parseLabConfig(source, 'lab.toml', DRIVERS);
    } catch (error) {
      problems = [...(error as DaqError).children];
    }
    expect(problems.map((p) => `${p.location?.file}:${p.location?.line}: ${p.message}`)).toEqual([expect.stringMatching(/^lab\.toml:[12]: .*theta.*exactly one of `motor`/)]);
  });
});
