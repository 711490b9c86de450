/**
 * The ESP300 driver against its wire simulator over a real PTY: the Movable conformance suite
 * for one axis, two axes sharing the controller's port, and the controller's own refusals.
 */
import { describe, expect, it } from 'vitest';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { createSystemClock } from '../../core/index.js';
import { createDriverCatalog, Lab, parseLabConfig } from '../../devices/index.js';
import { isMovable, isParameterized } from '../../capabilities/index.js';
import { simulatorOnPty, wireHarness, makeDevice, untilState } from '../common/wire-harness.fixture.js';
import { esp300Driver, Esp300Simulator } from './index.js';

const simulator = new Esp300Simulator();
const server = await simulatorOnPty(simulator, 'esp300');
const axis = (n: number): Record<string, unknown> => ({
  port: server.path,
  axis: n,
  min: -5,
  max: 5,
  // Moves of about two thirds of a second: long against scheduling delays on a loaded machine
  // (the suites time parts of a move in real time), short enough for a quick suite.
  velocity: 10,
  acceleration: 200,
  poll_interval: 0.005,
});

conformanceFor('newport-esp300 axis over a PTY', wireHarness(esp300Driver, 'stage_x', () => axis(1)));

describe('newport-esp300', () => {
  it('runs two axes of one controller on one shared port, each to its own target', async () => {
    const x = makeDevice(esp300Driver, 'x', axis(1));
    const y = makeDevice(esp300Driver, 'y', axis(2));
    if (!isMovable(x) || !isMovable(y)) throw new Error('not Movable');
    await Promise.all([x.connect(new AbortController().signal), y.connect(new AbortController().signal)]);
    try {
      await Promise.all([x.moveAbs(1.5), y.moveAbs(-2.25)]);
      expect(await x.position()).toBeCloseTo(1.5, 4);
      expect(await y.position()).toBeCloseTo(-2.25, 4);
      expect(simulator.axes[1]?.motion.position).toBeCloseTo(-2.25, 4);
    } finally {
      await x.disconnect();
      await y.disconnect();
    }
  });

  it('reports the controller error from TB? when it refuses a command (motor off)', async () => {
    const x = makeDevice(esp300Driver, 'x', axis(3));
    if (!isMovable(x)) throw new Error('not Movable');
    await x.connect(new AbortController().signal);
    try {
      const motor = simulator.axes[2];
      if (motor === undefined) throw new Error('no axis 3');
      motor.motorOn = false;
      const error = await expectDaqError(x.moveAbs(1), 'failed_precondition', 'a move with the motor off');
      expect(error.message).toContain('MOTOR NOT ENABLED');
      expect(x.state).toBe('idle');
    } finally {
      await x.disconnect();
    }
  });

  it('keeps a velocity set at run time through a pulled cable: the reconnect sends it, not the config\'s', async () => {
    const controller = new Esp300Simulator();
    const bench = await simulatorOnPty(controller, 'esp300-pull');
    const x = makeDevice(esp300Driver, 'x', { ...axis(1), port: bench.path, velocity: 10, acceleration: 200 });
    if (!isParameterized(x)) throw new Error('not Parameterized');
    await x.connect(new AbortController().signal);
    try {
      await x.setParameter('velocity', 7);
      await x.setParameter('acceleration', 150);
      const faulted = untilState(x, 'faulted');
      await bench.unplug();
      await faulted;
      // The controller is power-cycled meanwhile: it comes back with its power-on defaults.
      const axis1 = controller.axes[0];
      if (axis1 === undefined) throw new Error('no axis 1');
      axis1.motion.velocity = 100;
      axis1.motion.acceleration = 2000;
      const idle = untilState(x, 'idle');
      await bench.plug();
      await idle;
      expect(await x.getParameter('velocity')).toBe(7);
      expect(await x.getParameter('acceleration')).toBe(150);
      expect(axis1.motion.velocity).toBe(7);
    } finally {
      await x.disconnect();
    }
  });

  it('comes up with its config\'s settings when a controller that was not there at first appears', async () => {
    const controller = new Esp300Simulator();
    const bench = await simulatorOnPty(controller, 'esp300-late');
    await bench.unplug();
    const catalog = createDriverCatalog([esp300Driver]);
    const toml = `[devices.x]\ndriver = "newport-esp300"\nport = "${bench.path}"\naxis = 1\nmin = -5\nmax = 5\nsettings = { velocity = 9 }\n`;
    const lab = Lab.create(parseLabConfig(toml, 'lab.toml', catalog), catalog, createSystemClock());
    try {
      const report = await lab.connect();
      expect(report.connected).toEqual([]);
      const summary = lab.summary()[0];
      expect(summary).toMatchObject({ state: 'faulted', retry: { failedAttempts: 1, delayS: 0.5 } });
      expect(summary?.fault).toMatch(/^x: failed to connect: cannot open serial port .*esp300-late.*; trying again in 0\.5 s \(failed attempts: 1\)$/);
      const idle = untilState(lab.device('x'), 'idle');
      await bench.plug();
      await idle;
      await expect.poll(() => controller.axes[0]?.motion.velocity, { timeout: 20_000 }).toBe(9);
      await expect.poll(() => lab.summary()[0], { timeout: 20_000 }).toMatchObject({ state: 'idle' });
      expect(lab.summary()[0]).not.toHaveProperty('fault');
    } finally {
      await lab.disconnect();
    }
  });

  it('fails to connect with a clear message when the port does not exist', async () => {
    const x = makeDevice(esp300Driver, 'x', { ...axis(1), port: `${server.path}-missing` });
    const error = await expectDaqError(x.connect(new AbortController().signal), 'unavailable', 'connect');
    expect(error.message).toMatch(/x: failed to connect: cannot open serial port .*esp300-missing/);
    expect(x.state).toBe('faulted');
  });
});
