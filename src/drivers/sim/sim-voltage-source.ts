/**
 * `sim-voltage-source`: a simulated programmable DC supply (a piezo driver, a bias source).
 * The output slews at a finite rate to each new setpoint; reading it back measures the output
 * with a little noise. Its safe state is 0 V.
 */
import { z } from 'zod';
import type {
  DataKey,
  Limits,
  Parameterized,
  Readable,
  Reading,
  Stoppable,
  VoltageSource,
} from '../../capabilities/index.js';
import type { Clock } from '../../core/index.js';
import { createParameterSet, defineDriver, requireInRange } from '../../devices/index.js';
import { Random } from './random.js';
import { RampedValue } from './ramped-value.js';
import { ParameterizedSimDevice } from './sim-device.js';

/** Options of `sim-voltage-source` in the lab config. */
export const simVoltageSourceOptions = z
  .strictObject({
    min: z.number().default(-10).describe('lowest output allowed (V)'),
    max: z.number().default(10).describe('highest output allowed (V)'),
    voltage: z.number().default(0).describe('output at start (V)'),
    slew_rate: z.number().positive().default(100).describe('rate the output changes at (V/s)'),
    noise: z.number().nonnegative().default(1e-4).describe('rms noise of the measured output (V)'),
    seed: z.number().int().default(1).describe('seed of the measurement noise (integer)'),
  })
  .refine((o) => o.min < o.max, { message: 'min must be below max', path: ['max'] })
  .refine((o) => o.voltage >= o.min && o.voltage <= o.max, {
    message: 'the start voltage must be within min..max',
    path: ['voltage'],
  });

/** Validated options of `sim-voltage-source`. */
export type SimVoltageSourceOptions = z.output<typeof simVoltageSourceOptions>;

/** A simulated voltage source with slew-rate limiting and a noisy readback. */
export class SimVoltageSource
  extends ParameterizedSimDevice
  implements VoltageSource, Readable, Stoppable, Parameterized
{
  readonly driver = 'sim-voltage-source';
  protected readonly settings: Parameterized;
  private readonly output: RampedValue;
  private readonly range: Limits;
  private readonly random: Random;

  constructor(
    name: string,
    private readonly options: SimVoltageSourceOptions,
    clock: Clock,
  ) {
    super(name, clock);
    this.range = { min: options.min, max: options.max };
    this.output = new RampedValue(name, clock, options.voltage, options.slew_rate);
    this.random = new Random(options.seed);
    this.settings = createParameterSet(name, [
      {
        name: 'voltage', type: 'number', units: 'V', min: this.range.min, max: this.range.max,
        description: 'output voltage (V)',
        get: () => this.output.value(),
        set: (value) => this.setVoltage(Number(value)),
      },
      {
        name: 'slew_rate', type: 'number', units: 'V/s', min: 1e-6, max: 1e9,
        description: 'rate the output changes at (V/s); applies from the next change',
        get: () => this.output.ratePerS,
        set: (value) => { this.output.ratePerS = Number(value); },
      },
    ]);
  }

  /** Slews the output to `volts` (V); resolves after `|dV| / slew_rate` seconds. */
  setVoltage(volts: number): Promise<void> {
    return this.command(
      'set voltage',
      () => requireInRange(this.name, 'voltage', volts, this.range, 'V'),
      () => this.output.rampTo(volts, `setting ${volts} V`),
    );
  }

  /** The present output in V (changes while slewing). */
  voltage(): Promise<number> {
    return this.query('read voltage', () => this.output.value());
  }

  /** Allowed output in V. */
  voltageRange(): Limits {
    return { ...this.range };
  }

  /** Measures the output in V: the present output plus the readback noise (`noise`, V rms). */
  read(): Promise<Reading> {
    return this.query('read', () => ({
      value: this.output.value() + this.options.noise * this.random.gaussian(),
      timestampS: this.clock.now(),
      units: 'V',
    }));
  }

  /** The value `read()` returns: the measured output, a scalar in V. */
  describe(): DataKey {
    return { dtype: 'float64', shape: [], units: 'V' };
  }

  /**
   * Slews the output to the safe state, 0 V (or the allowed value nearest to 0 when 0 is
   * outside min..max), cancelling a change under way. Does nothing when not connected.
   */
  async stop(): Promise<void> {
    if (!this.connected) return;
    const safe = Math.min(this.range.max, Math.max(this.range.min, 0));
    await this.operation('stop', () => this.output.rampTo(safe, `going to the safe state (${safe} V)`));
  }

  protected override async closeConnection(): Promise<void> {
    this.output.halt('disconnected while changing the output');
  }
}

/** The `sim-voltage-source` driver. */
export const simVoltageSourceDriver = defineDriver({
  name: 'sim-voltage-source',
  summary: 'simulated DC voltage source with slew-rate limit and noisy readback',
  options: simVoltageSourceOptions,
  create: (name, options, context) => new SimVoltageSource(name, options, context.clock),
});
