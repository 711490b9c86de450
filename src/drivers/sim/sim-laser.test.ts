import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../capabilities/index.js';
import { VirtualClock } from '../../core/index.js';
import { SimLaser, simLaserOptions, tiSapphirePowerW } from './sim-laser.js';

async function connected(options: Record<string, unknown> = {}): Promise<{ laser: SimLaser; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const laser = new SimLaser('laser', simLaserOptions.parse(options), clock);
  await laser.connect(new AbortController().signal);
  return { laser, clock };
}

/** Mean of `n` power readings, W. */
async function meanPower(laser: SimLaser, n = 50): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (await laser.read()).value as number;
  return sum / n;
}

describe('tiSapphirePowerW', () => {
  it('peaks at 800 nm and falls off towards both ends of the range', () => {
    expect(tiSapphirePowerW(800, 2.8)).toBe(2.8);
    expect(tiSapphirePowerW(690, 2.8)).toBeGreaterThan(0.8);
    expect(tiSapphirePowerW(690, 2.8)).toBeLessThan(1.5);
    expect(tiSapphirePowerW(1040, 2.8)).toBeGreaterThan(0.5);
    expect(tiSapphirePowerW(1040, 2.8)).toBeLessThan(1.2);
    expect(tiSapphirePowerW(900, 2.8)).toBeLessThan(2.8);
  });
});

describe('SimLaser', () => {
  it('has the laser capabilities', () => {
    const laser = new SimLaser('laser', simLaserOptions.parse({}), new VirtualClock());
    expect(capabilitiesOf(laser)).toEqual([
      'Readable', 'ShutterControl', 'WavelengthTunable', 'EmissionControl', 'Stoppable', 'Parameterized',
    ]);
    expect(laser.describe()).toEqual({ dtype: 'float64', shape: [], units: 'W' });
  });

  it('emits nothing until emission is on, after a 2 s warm-up', async () => {
    const { laser, clock } = await connected();
    expect((await laser.read()).value).toBe(0);
    const start = clock.now();
    await laser.enableEmission();
    expect(clock.now() - start).toBeCloseTo(2, 5);
    expect(await laser.isEmissionEnabled()).toBe(true);
    expect(await meanPower(laser)).toBeCloseTo(2.8, 1);
    await laser.disableEmission();
    expect((await laser.read()).value).toBe(0);
  });

  it('cancels the warm-up when emission is disabled during it', async () => {
    const { laser, clock } = await connected();
    const enabling = laser.enableEmission().catch((error: unknown) => error);
    await clock.sleep(1);
    await laser.disableEmission();
    expect(await enabling).toMatchObject({ code: 'cancelled', device: 'laser' });
    expect(await laser.isEmissionEnabled()).toBe(false);
  });

  it('tunes at 50 nm/s, passing through the wavelengths between', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const laser = new SimLaser('laser', simLaserOptions.parse({}), clock);
    const connecting = laser.connect(new AbortController().signal);
    await clock.advance(0.05);
    await connecting;
    const tuning = laser.setWavelength(900);
    await clock.advance(1);
    expect(await laser.wavelength()).toBeCloseTo(850, 4);
    expect(laser.state).toBe('busy');
    await clock.advance(1);
    await tuning;
    expect(await laser.wavelength()).toBe(900);
    expect(laser.state).toBe('idle');
  });

  it('puts out less power away from the gain peak', async () => {
    const { laser } = await connected();
    await laser.enableEmission();
    const atPeak = await meanPower(laser);
    await laser.setWavelength(1000);
    expect(await meanPower(laser)).toBeLessThan(0.7 * atPeak);
  });

  it('refuses wavelengths outside 690..1040 nm and stays where it was', async () => {
    const { laser, clock } = await connected();
    const start = clock.now();
    await expect(laser.setWavelength(1100)).rejects.toMatchObject({
      code: 'out_of_range',
      message: 'laser: wavelength 1100 nm is outside the limits 690..1040 nm',
    });
    await expect(laser.setWavelength(650)).rejects.toMatchObject({ code: 'out_of_range' });
    expect(await laser.wavelength()).toBe(800);
    expect(clock.now()).toBe(start);
    expect(laser.wavelengthRange()).toEqual({ min: 690, max: 1040 });
  });

  it('stop() closes the shutter', async () => {
    const { laser } = await connected();
    await laser.openShutter();
    expect(await laser.isShutterOpen()).toBe(true);
    await laser.stop();
    expect(await laser.isShutterOpen()).toBe(false);
  });

  it('a stop while the shutter is opening leaves it closed', async () => {
    const { laser } = await connected();
    const opening = laser.openShutter().catch((error: unknown) => error);
    await laser.stop();
    expect(await opening).toMatchObject({ code: 'cancelled' });
    expect(await laser.isShutterOpen()).toBe(false);
  });

  it('refuses operations before connect', async () => {
    const laser = new SimLaser('laser', simLaserOptions.parse({}), new VirtualClock());
    await expect(laser.read()).rejects.toMatchObject({ code: 'failed_precondition' });
    await expect(laser.openShutter()).rejects.toMatchObject({ code: 'failed_precondition' });
  });

  it('validates its options', () => {
    expect(() => simLaserOptions.parse({ wavelength: 600 })).toThrow(/within min_wavelength..max_wavelength/);
    expect(() => simLaserOptions.parse({ power: 3 })).toThrow();
  });
});
