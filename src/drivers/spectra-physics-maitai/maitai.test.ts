/** The MaiTai driver against its wire simulator over a real PTY. */
import { describe, expect, it } from 'vitest';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { isEmissionControl, isShutterControl, isWavelengthTunable } from '../../capabilities/index.js';
import { makeDevice, simulatorOnPty, untilState, wireHarness } from '../common/wire-harness.fixture.js';
import { maiTaiDriver, MaiTaiSimulator } from './index.js';

const simulator = new MaiTaiSimulator({ tuneRateNmPerS: 5000 });
const server = await simulatorOnPty(simulator, 'maitai');
const options = (): Record<string, unknown> => ({ port: server.path, poll_interval: 0.005, tune_timeout: 2 });

conformanceFor('spectra-physics-maitai over a PTY', wireHarness(maiTaiDriver, 'laser', options));

describe('spectra-physics-maitai', () => {
  it('waits for tuning to finish: the laser reads the target when setWavelength resolves', async () => {
    const slow = new MaiTaiSimulator({ tuneRateNmPerS: 1000 });
    const slowServer = await simulatorOnPty(slow, 'maitai-slow');
    const laser = makeDevice(maiTaiDriver, 'laser', { port: slowServer.path, poll_interval: 0.005 });
    if (!isWavelengthTunable(laser)) throw new Error('not WavelengthTunable');
    await laser.connect(new AbortController().signal);
    try {
      await laser.setWavelength(1000);
      expect(slow.wavelengthNm).toBe(1000);
    } finally {
      await laser.disconnect();
    }
  });

  it('reports a shutter that does not move as deadline_exceeded, and closes it on disconnect', async () => {
    const laser = makeDevice(maiTaiDriver, 'laser', { ...options(), timeout: 1 });
    if (!isShutterControl(laser)) throw new Error('not ShutterControl');
    await laser.connect(new AbortController().signal);
    try {
      simulator.silent = true;
      const error = await expectDaqError(laser.openShutter(), 'deadline_exceeded', 'openShutter with a silent laser');
      // The first exchange that waits for a reply after "SHUT 1" is the error queue.
      expect(error.message).toMatch(/laser: open shutter failed: .*no reply to "SYST:ERR\?" within 1 s/);
      simulator.silent = false;
      await laser.openShutter();
      expect(simulator.shutterOpen).toBe(true);
    } finally {
      simulator.silent = false;
      await laser.disconnect();
    }
    expect(simulator.shutterOpen).toBe(false);
  });

  it('refuses to enable emission while the laser warms up, saying how far it has got', async () => {
    const cold = new MaiTaiSimulator({ warmupS: 600 });
    const coldServer = await simulatorOnPty(cold, 'maitai-cold');
    const laser = makeDevice(maiTaiDriver, 'laser', { port: coldServer.path, poll_interval: 0.005 });
    if (!isEmissionControl(laser)) throw new Error('not EmissionControl');
    await laser.connect(new AbortController().signal);
    try {
      const error = await expectDaqError(laser.enableEmission(), 'failed_precondition', 'enableEmission while cold');
      expect(error.message).toBe('laser: enable emission failed: the laser is warming up (0% done); emission can be enabled at 100%');
      expect(cold.emission).toBe(false);
      expect(laser.state).toBe('idle');
    } finally {
      await laser.disconnect();
    }
  });
  it('faults with the laser\'s own words when its interlock is open, and is back once it reconnects', async () => {
    const bench = new MaiTaiSimulator();
    const benchServer = await simulatorOnPty(bench, 'maitai-interlock');
    const laser = makeDevice(maiTaiDriver, 'laser', { port: benchServer.path, poll_interval: 0.005, tune_timeout: 2 });
    if (!isEmissionControl(laser)) throw new Error('not EmissionControl');
    await laser.connect(new AbortController().signal);
    try {
      bench.interlockOpen = true;
      const faulted = untilState(laser, 'faulted');
      const error = await expectDaqError(laser.enableEmission(), 'unavailable', 'enableEmission with the interlock open');
      await faulted;
      expect(error.message).toBe(
        'laser: enable emission failed: the laser refused "ON": error 160 "interlock open: pump laser cannot turn on" (SYS_ERR, system error: an open interlock, or an internal diagnostic)',
      );
      expect(laser.fault?.message).toContain('"interlock open: pump laser cannot turn on"');
      expect(bench.emission).toBe(false);
      bench.interlockOpen = false;
      await untilState(laser, 'idle');
      await laser.enableEmission();
      expect(bench.emission).toBe(true);
    } finally {
      await laser.disconnect();
    }
  });

  it('does not blame errors the laser queued before it connected on its first command', async () => {
    const bench = new MaiTaiSimulator();
    const benchServer = await simulatorOnPty(bench, 'maitai-stale');
    bench.emission = true;
    bench.interlockOpen = true; // queues a system error: the pump went off
    bench.interlockOpen = false;
    const laser = makeDevice(maiTaiDriver, 'laser', { port: benchServer.path, poll_interval: 0.005 });
    if (!isShutterControl(laser)) throw new Error('not ShutterControl');
    await laser.connect(new AbortController().signal);
    try {
      await laser.openShutter();
      expect(bench.shutterOpen).toBe(true);
      expect(laser.state).toBe('idle');
    } finally {
      await laser.disconnect();
    }
  });

  it('narrows the configured wavelength range to the laser\'s own (wav:min?, wav:max?)', async () => {
    const laser = makeDevice(maiTaiDriver, 'laser', { ...options(), wavelength_min: 600, wavelength_max: 1000 });
    if (!isWavelengthTunable(laser)) throw new Error('not WavelengthTunable');
    await laser.connect(new AbortController().signal);
    try {
      expect(laser.wavelengthRange()).toEqual({ min: 690, max: 1000 });
      await expectDaqError(laser.setWavelength(650), 'out_of_range', 'a wavelength below the laser\'s range');
    } finally {
      await laser.disconnect();
    }
  });
});
