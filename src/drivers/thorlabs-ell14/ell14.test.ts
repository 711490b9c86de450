/** The ELL14 driver against its bus simulator over a real PTY: conformance, and two mounts on one bus. */
import { describe, expect, it } from 'vitest';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { isMovable } from '../../capabilities/index.js';
import { makeDevice, simulatorOnPty, wireHarness } from '../common/wire-harness.fixture.js';
import { Ell14BusSimulator, ell14Driver } from './index.js';

// Moves of about 0.8 s: long against scheduling delays on a loaded machine (the
// suites time parts of a move in real time), short enough for a quick suite.
const bus = new Ell14BusSimulator({ addresses: ['0', 'A'], velocityDegPerS: 300, accelerationDegPerS2: 3000 });
const server = await simulatorOnPty(bus, 'ell14');
const mount = (address: string): Record<string, unknown> => ({ port: server.path, address, poll_interval: 0.005, timeout: 0.3 });

conformanceFor('thorlabs-ell14 over a PTY', wireHarness(ell14Driver, 'rotator', () => mount('0')));

describe('thorlabs-ell14', () => {
  it('moves two mounts on one bus at once, each to its own angle', async () => {
    const a = makeDevice(ell14Driver, 'polarizer', mount('0'));
    const b = makeDevice(ell14Driver, 'waveplate', mount('a'));
    if (!isMovable(a) || !isMovable(b)) throw new Error('not Movable');
    await Promise.all([a.connect(new AbortController().signal), b.connect(new AbortController().signal)]);
    try {
      await Promise.all([a.moveAbs(45), b.moveAbs(300)]);
      expect(await a.position()).toBeCloseTo(45, 2);
      expect(await b.position()).toBeCloseTo(300, 2);
      expect(bus.positionDeg('A')).toBeCloseTo(300, 2);
    } finally {
      await Promise.all([a.disconnect(), b.disconnect()]);
    }
  });

  it('fails to connect to an address with no mount, naming the address', async () => {
    const ghost = makeDevice(ell14Driver, 'ghost', mount('5'));
    const error = await expectDaqError(ghost.connect(new AbortController().signal), 'deadline_exceeded', 'connect to address 5');
    expect(error.message).toMatch(/ghost: failed to connect: .*no reply to "5in"/);
  });

  it('takes its pulses per degree from the mount\'s own "in" reply', async () => {
    const other = new Ell14BusSimulator({ addresses: ['3'], pulsesPerRev: 0x40000 });
    const otherServer = await simulatorOnPty(other, 'ell14-other');
    const mount3 = makeDevice(ell14Driver, 'rotator', { port: otherServer.path, address: '3', poll_interval: 0.005 });
    if (!isMovable(mount3)) throw new Error('not Movable');
    await mount3.connect(new AbortController().signal);
    try {
      await mount3.moveAbs(90);
      expect(other.lastTargetPulses.get('3')).toBe(0x10000);
      expect(await mount3.position()).toBeCloseTo(90, 6);
    } finally {
      await mount3.disconnect();
    }
  });
});
