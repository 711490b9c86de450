import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../capabilities/index.js';
import { DaqError, VirtualClock } from '../../core/index.js';
import type { Device, DriverContext } from '../../devices/index.js';
import { SimLaser, simLaserOptions, tiSapphirePowerW } from './sim-laser.js';
import { SimPowerMeter, powerMeterReferences, simPowerMeterDriver, simPowerMeterOptions } from './sim-power-meter.js';
import { SimStage, simStageOptions } from './sim-stage.js';

/** A lab of a laser, a stage and a power meter on one clock; `connect` says which to connect. */
async function makeLab(meterOptions: Record<string, unknown> = {}, connect: readonly string[] = ['laser', 'stage']) {
  const clock = new VirtualClock();
  const devices = new Map<string, Device>();
  const context: DriverContext = {
    clock,
    device: (name) => {
      const device = devices.get(name);
      if (device === undefined) throw new DaqError('not_found', `no device "${name}"`);
      return device;
    },
  };
  const laser = new SimLaser('laser', simLaserOptions.parse({}), clock);
  const stage = new SimStage('stage', simStageOptions.parse({ velocity: 50, acceleration: 500 }), clock);
  const meter = new SimPowerMeter('meter', simPowerMeterOptions.parse(meterOptions), context);
  for (const device of [laser, stage, meter]) devices.set(device.name, device);
  for (const name of [...connect, 'meter']) await devices.get(name)?.connect(new AbortController().signal);
  if (connect.includes('laser')) {
    await laser.enableEmission();
    await laser.openShutter();
  }
  return { clock, laser, stage, meter };
}

async function reading(meter: SimPowerMeter): Promise<number> {
  return (await meter.read()).value as number;
}

describe('SimPowerMeter', () => {
  it('is Readable, WavelengthTunable, Parameterized and HardwareTriggered, in W', async () => {
    const { meter } = await makeLab();
    expect(capabilitiesOf(meter)).toEqual(['Readable', 'WavelengthTunable', 'Parameterized', 'HardwareTriggered']);
    expect(meter.describe()).toEqual({ dtype: 'float64', shape: [], units: 'W' });
  });

  it('finds the coupling peak at peak_position in a line scan of the stage', async () => {
    const { stage, meter } = await makeLab({ peak_position: 12.5, beam_width: 1 });
    let best = { position: 0, power: -1 };
    for (let position = 8; position <= 17; position += 0.25) {
      await stage.moveAbs(position);
      const power = await reading(meter);
      if (power > best.power) best = { position, power };
    }
    expect(Math.abs(best.position - 12.5)).toBeLessThanOrEqual(0.25);
    // At the peak the meter sees the laser's full power (2.8 W at 800 nm).
    expect(best.power).toBeGreaterThan(2.6);
    // One beam radius away the coupling is exp(-2) = 13.5 %.
    await stage.moveAbs(13.5);
    expect((await reading(meter)) / best.power).toBeCloseTo(Math.exp(-2), 1);
  });

  it('reads the dark power when the shutter is closed', async () => {
    const { laser, stage, meter } = await makeLab({ dark_power: 1e-6 });
    await stage.moveAbs(12.5);
    await laser.closeShutter();
    const power = await reading(meter);
    expect(power).toBeGreaterThan(0.98e-6);
    expect(power).toBeLessThan(1.02e-6);
  });

  it('takes averaging_time of simulated time per reading', async () => {
    const { clock, meter } = await makeLab({ averaging_time: 0.5 });
    const start = clock.now();
    const value = await meter.read();
    expect(clock.now() - start).toBeCloseTo(0.5, 5);
    expect(value.timestampS).toBe(clock.now());
    expect(value.units).toBe('W');
  });

  it('is off when calibrated for another wavelength than the laser, as a photodiode is', async () => {
    const { laser, meter } = await makeLab({ stage: '' });
    await laser.setWavelength(950);
    await meter.setWavelength(950);
    const matched = await reading(meter);
    expect(matched).toBeCloseTo(tiSapphirePowerW(950, 2.8), 1);
    // Silicon responds less at 1050 nm than at 950 nm, so a meter set for 1050 nm scales up.
    await meter.setWavelength(1050);
    expect(await reading(meter)).toBeGreaterThan(matched * 1.5);
    await expect(meter.setWavelength(1200)).rejects.toMatchObject({ code: 'out_of_range' });
  });

  it('fails naming both devices when the laser is not connected', async () => {
    const { meter } = await makeLab({}, ['stage']);
    const error = await meter.read().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'failed_precondition', device: 'meter' });
    expect((error as Error).message).toMatch(/^meter: .*laser "laser" is disconnected/);
  });

  it('fails naming both devices when the stage is not in the lab', async () => {
    const { meter } = await makeLab({ stage: 'stagee' });
    const error = await meter.read().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not_found', device: 'meter' });
    expect((error as Error).message).toMatch(/^meter: .*stage "stagee"/);
  });

  it('fails when the laser is not a laser', async () => {
    const { meter } = await makeLab({ laser: 'stage' });
    await expect(meter.read()).rejects.toMatchObject({ code: 'failed_precondition', message: expect.stringMatching(/not Readable and ShutterControl/) });
  });

  it('declares its references to the laser and the stage', () => {
    const options = simPowerMeterOptions.parse({ laser: 'ti_sapph' });
    expect(powerMeterReferences(options)).toEqual([
      { field: 'laser', device: 'ti_sapph', capability: 'ShutterControl' },
      { field: 'stage', device: 'stage', capability: 'Movable' },
    ]);
    expect(simPowerMeterDriver.references?.(simPowerMeterOptions.parse({ stage: '' }))).toEqual([
      { field: 'laser', device: 'laser', capability: 'ShutterControl' },
    ]);
  });
});
