/**
 * `sim-thermometer`: a simulated room or sample thermometer. The temperature drifts slowly
 * and sinusoidally around a mean (the building's air conditioning cycling) with a little
 * sensor noise on each reading.
 */
import { z } from 'zod';
import type { DataKey, Readable, Reading, TemperatureSensor } from '../../capabilities/index.js';
import type { Clock } from '../../core/index.js';
import { defineDriver } from '../../devices/index.js';
import { Random } from './random.js';
import { SimDevice } from './sim-device.js';

/** Options of `sim-thermometer` in the lab config. */
export const simThermometerOptions = z.strictObject({
  temperature: z.number().default(21).describe('mean temperature (°C)'),
  drift_amplitude: z.number().nonnegative().default(0.5).describe('amplitude of the slow drift (°C)'),
  drift_period: z.number().positive().default(600).describe('period of the slow drift (s)'),
  noise: z.number().nonnegative().default(0.01).describe('rms noise of a reading (°C)'),
  seed: z.number().int().default(1).describe('seed of the noise (integer)'),
});

/** Validated options of `sim-thermometer`. */
export type SimThermometerOptions = z.output<typeof simThermometerOptions>;

/** A simulated thermometer; readings in °C (units `degC`). */
export class SimThermometer extends SimDevice implements TemperatureSensor, Readable {
  readonly driver = 'sim-thermometer';
  private readonly random: Random;

  constructor(
    name: string,
    private readonly options: SimThermometerOptions,
    clock: Clock,
  ) {
    super(name, clock);
    this.random = new Random(options.seed);
  }

  /** The present temperature in °C, with noise. */
  temperature(): Promise<number> {
    return this.query('read temperature', () => this.sample());
  }

  /** Measures the temperature (°C, units `degC`). */
  read(): Promise<Reading> {
    return this.query('read', () => ({ value: this.sample(), timestampS: this.clock.now(), units: 'degC' }));
  }

  /** The value `read()` returns: a scalar in degC. */
  describe(): DataKey {
    return { dtype: 'float64', shape: [], units: 'degC' };
  }

  /**
   * T(t) = mean + A sin(2 pi t / P) + noise, with t the clock time in seconds. The noise is
   * Gaussian (rms `noise`) but clipped at 4 sigma, so readings stay within mean +- (A + 4 noise).
   */
  private sample(): number {
    const { temperature, drift_amplitude: amplitude, drift_period: period, noise } = this.options;
    const drift = amplitude * Math.sin((2 * Math.PI * this.clock.now()) / period);
    const deviate = Math.max(-4, Math.min(4, this.random.gaussian()));
    return temperature + drift + noise * deviate;
  }
}

/** The `sim-thermometer` driver. */
export const simThermometerDriver = defineDriver({
  name: 'sim-thermometer',
  summary: 'simulated thermometer: slow sinusoidal drift around a mean, with noise',
  options: simThermometerOptions,
  create: (name, options, context) => new SimThermometer(name, options, context.clock),
});
