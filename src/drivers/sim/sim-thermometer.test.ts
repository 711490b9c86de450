import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../capabilities/index.js';
import { VirtualClock } from '../../core/index.js';
import { SimThermometer, simThermometerOptions } from './sim-thermometer.js';

describe('SimThermometer', () => {
  it('is a Readable TemperatureSensor in degC', () => {
    const thermometer = new SimThermometer('thermometer', simThermometerOptions.parse({}), new VirtualClock());
    expect(capabilitiesOf(thermometer)).toEqual(['Readable', 'TemperatureSensor']);
    expect(thermometer.describe()).toEqual({ dtype: 'float64', shape: [], units: 'degC' });
  });

  it('drifts over the whole band mean +- amplitude within a period, and never beyond it', async () => {
    const clock = new VirtualClock();
    const options = { temperature: 21, drift_amplitude: 0.5, drift_period: 600, noise: 0.01 };
    const thermometer = new SimThermometer('thermometer', simThermometerOptions.parse(options), clock);
    await thermometer.connect(new AbortController().signal);
    const values: number[] = [];
    for (let i = 0; i < 120; i++) {
      const reading = await thermometer.read();
      expect(reading.units).toBe('degC');
      values.push(reading.value as number);
      values.push(await thermometer.temperature());
      await clock.sleep(10);
    }
    const [low, high] = [Math.min(...values), Math.max(...values)];
    // The band is mean +- (amplitude + 4 sigma of noise).
    expect(low).toBeGreaterThanOrEqual(21 - 0.5 - 0.04);
    expect(high).toBeLessThanOrEqual(21 + 0.5 + 0.04);
    // Over two periods the drift reaches near both ends.
    expect(low).toBeLessThan(21 - 0.45);
    expect(high).toBeGreaterThan(21 + 0.45);
  });

  it('is noisy from one reading to the next, around the mean when not drifting', async () => {
    const clock = new VirtualClock();
    const options = { temperature: 4.2, drift_amplitude: 0, noise: 0.01 };
    const thermometer = new SimThermometer('thermometer', simThermometerOptions.parse(options), clock);
    await thermometer.connect(new AbortController().signal);
    const values: number[] = [];
    for (let i = 0; i < 200; i++) values.push(await thermometer.temperature());
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const rms = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(4.2, 2);
    expect(rms).toBeGreaterThan(0.007);
    expect(rms).toBeLessThan(0.013);
  });

  it('refuses to read before connect', async () => {
    const thermometer = new SimThermometer('thermometer', simThermometerOptions.parse({}), new VirtualClock());
    await expect(thermometer.read()).rejects.toMatchObject({ code: 'failed_precondition', device: 'thermometer' });
  });
});
