/** The 1830-C driver against its wire simulator over a real PTY; garbage and silence from the meter. */
import { describe, expect, it } from 'vitest';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { isReadable, isWavelengthTunable } from '../../capabilities/index.js';
import { makeDevice, simulatorOnPty, wireHarness } from '../common/wire-harness.fixture.js';
import { newport1830cDriver, Newport1830cSimulator } from './index.js';

const simulator = new Newport1830cSimulator({ incidentW: () => 2.5e-3 });
const server = await simulatorOnPty(simulator, 'pm1830c');
const options = (): Record<string, unknown> => ({ port: server.path, timeout: 1 }); // s: a loaded machine may take long to answer

conformanceFor('newport-1830c over a PTY', wireHarness(newport1830cDriver, 'power_meter', options));

describe('newport-1830c', () => {
  it('sets the meter up on connect (watts, filter; the attenuator only when configured) and reads the incident power', async () => {
    simulator.units = 3;
    simulator.attenuator = 1;
    const meter = makeDevice(newport1830cDriver, 'pm', { ...options(), filter: 'slow' });
    if (!isReadable(meter)) throw new Error('not Readable');
    await meter.connect(new AbortController().signal);
    try {
      expect([simulator.units, simulator.attenuator, simulator.filter]).toEqual([1, 1, 1]);
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
      expect(silence.message).toMatch(/pm: read power failed: .*no reply to "D\?" within 1 s/);
      simulator.silent = false;
      expect((await meter.read()).value).toBeCloseTo(2.5e-3, 4);
      expect(meter.state).toBe('idle');
    } finally {
      simulator.silent = false;
      await meter.disconnect();
    }
  });
  it('sends the attenuator setting when the config has one', async () => {
    simulator.attenuator = 1;
    const meter = makeDevice(newport1830cDriver, 'pm', { ...options(), attenuator: false });
    await meter.connect(new AbortController().signal);
    await meter.disconnect();
    expect(simulator.attenuator).toBe(0);
  });

  it('fails a reading of a detector beyond its range with the manual\'s words for the status byte, and reads again once it is not', async () => {
    let incident = 5;
    const bench = new Newport1830cSimulator({ incidentW: () => incident, fullScaleW: 2 });
    const benchServer = await simulatorOnPty(bench, 'pm1830c-over');
    const meter = makeDevice(newport1830cDriver, 'pm', { port: benchServer.path, timeout: 1 });
    if (!isReadable(meter)) throw new Error('not Readable');
    await meter.connect(new AbortController().signal);
    try {
      const over = await expectDaqError(meter.read(), 'out_of_range', 'a reading above full scale');
      expect(over.message).toMatch(/^pm: read power failed: the reading [\d.]+ W is not valid: status byte 136 after "D\?": Input signal exceeds the max level for signal range$/);
      incident = 50;
      const saturated = await expectDaqError(meter.read(), 'out_of_range', 'a saturating reading');
      expect(saturated.message).toContain('Input signal has saturated the photodetector; Input signal exceeds the max level for signal range');
      incident = 1e-3;
      expect((await meter.read()).value).toBeCloseTo(1e-3, 5);
      expect(meter.state).toBe('idle');
    } finally {
      await meter.disconnect();
    }
  });

  it('reports a calibration wavelength the detector refuses as the meter\'s parameter error', async () => {
    const bench = new Newport1830cSimulator({ wavelengthRange: { min: 400, max: 1100 } });
    const benchServer = await simulatorOnPty(bench, 'pm1830c-wave');
    const meter = makeDevice(newport1830cDriver, 'pm', { port: benchServer.path, timeout: 1, wavelength_min: 300 });
    if (!isWavelengthTunable(meter)) throw new Error('not WavelengthTunable');
    await meter.connect(new AbortController().signal);
    try {
      const error = await expectDaqError(meter.setWavelength(350), 'failed_precondition', 'a wavelength the detector refuses');
      expect(error.message).toBe('pm: set wavelength failed: the meter refused "W0350": status byte 1 after "W0350": Parameter error');
      await meter.setWavelength(800);
      expect(bench.wavelengthNm).toBe(800);
    } finally {
      await meter.disconnect();
    }
  });
});
