/** The 1830-C driver against its wire simulator over a real PTY; garbage and silence from the meter. */
import { describe, expect, it } from 'vitest';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { isReadable } from '../../capabilities/index.js';
import { makeDevice, simulatorOnPty, wireHarness } from '../common/wire-harness.fixture.js';
import { newport1830cDriver, Newport1830cSimulator } from './index.js';

const simulator = new Newport1830cSimulator({ incidentW: () => 2.5e-3 });
const server = await simulatorOnPty(simulator, 'pm1830c');
const options = (): Record<string, unknown> => ({ port: server.path, timeout: 0.3 });

conformanceFor('newport-1830c over a PTY', wireHarness(newport1830cDriver, 'power_meter', options));

describe('newport-1830c', () => {
  it('sets the meter up on connect (watts, auto range, filter) and reads the incident power', async () => {
    simulator.units = 3;
    const meter = makeDevice(newport1830cDriver, 'pm', { ...options(), filter: 'slow' });
    if (!isReadable(meter)) throw new Error('not Readable');
    await meter.connect(new AbortController().signal);
    try {
      expect([simulator.units, simulator.autoRange, simulator.filter]).toEqual([1, 1, 1]);
      expect((await meter.read()).value).toBeCloseTo(2.5e-3, 4);
    } finally {
      await meter.disconnect();
    }
  });

  it('reports garbage and silence from the meter as errors, and keeps working afterwards', async () => {
    const meter = makeDevice(newport1830cDriver, 'pm', options());
    if (!isReadable(meter)) throw new Error('not Readable');
    await meter.connect(new AbortController().signal);
    try {
      simulator.garble('#&!\n');
      const garbage = await expectDaqError(meter.read(), 'internal', 'a read answered with garbage');
      expect(garbage.message).toContain('unexpected reply "#&!" to "D?"');
      simulator.garble('x'.repeat(5000));
      const noLineEnd = await expectDaqError(meter.read(), 'internal', 'a read answered with endless garbage');
      expect(noLineEnd.message).toContain('garbage from the instrument');
      simulator.silent = true;
      const silence = await expectDaqError(meter.read(), 'deadline_exceeded', 'a read never answered');
      expect(silence.message).toMatch(/pm: read power failed: .*no reply to "D\?" within 0.3 s/);
      simulator.silent = false;
      expect((await meter.read()).value).toBeCloseTo(2.5e-3, 4);
      expect(meter.state).toBe('idle');
    } finally {
      simulator.silent = false;
      await meter.disconnect();
    }
  });
});
