/**
 * `sim-daq-card`: a simulated multifunction data-acquisition card, wired like a bench test box:
 *
 * - `ai0` a sine (`sine_amplitude` V, `sine_frequency` Hz, plus `noise` V rms);
 * - `ai1` is wired to `ao0`, `ai3` to `ao1` (loopback: each sample is the output at its time);
 * - `ai2` a ramp that counts samples: sample `i` is `(i mod 10000) * 1 mV`, so a lost or
 *   repeated sample shows as a step other than 1 mV;
 * - `port0/line0..3` are wired to `port0/line4..7` (an input reads the output wired to it, or
 *   low when that line is an input too);
 * - `ctr0` counts a pulse train of `counter_rate` Hz.
 *
 * Sampling runs against the lab's clock: sample `i` exists once `t0 + i / rate` has passed, and
 * the buffer holds `bufferSamplesPerChannel` of them; more unread is an overflow, as on a card.
 */
import { z } from 'zod';
import type { LineDirection } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { defineDriver } from '../../devices/index.js';
import { type DaqCardBackend, DaqCardDevice, type ResolvedTiming } from '../common/daq-card.js';
import { Random } from './random.js';
import { SIM_CONNECT_TIME_S } from './sim-device.js';

/** Options of `sim-daq-card` in the lab config. */
export const simDaqCardOptions = z
  .strictObject({
    ai_min: z.number().default(-10).describe('lower end of every analog input range (V)'),
    ai_max: z.number().default(10).describe('upper end of every analog input range (V)'),
    ao_min: z.number().default(-10).describe('lower end of every analog output range (V)'),
    ao_max: z.number().default(10).describe('upper end of every analog output range (V)'),
    max_rate: z.number().positive().default(250_000).describe('fastest sample rate of analog input (Hz)'),
    sine_amplitude: z.number().nonnegative().default(1).describe('amplitude of the sine on ai0 (V)'),
    sine_frequency: z.number().nonnegative().default(50).describe('frequency of the sine on ai0 (Hz)'),
    noise: z.number().nonnegative().default(0).describe('rms noise added to ai0 (V)'),
    counter_rate: z.number().nonnegative().default(1000).describe('pulses per second counted by ctr0 (Hz)'),
    seed: z.number().int().default(1).describe('seed of the noise (integer)'),
  })
  .refine((o) => o.ai_min < o.ai_max, { message: 'ai_min must be below ai_max', path: ['ai_max'] })
  .refine((o) => o.ao_min < o.ao_max, { message: 'ao_min must be below ao_max', path: ['ao_max'] });

/** Validated options of `sim-daq-card`. */
export type SimDaqCardOptions = z.output<typeof simDaqCardOptions>;

/** Volts per sample of the ramp on `ai2`, and its period in samples. */
export const SIM_RAMP_STEP_V = 1e-3;
export const SIM_RAMP_PERIOD = 10_000;

const LINES = Array.from({ length: 8 }, (_, i) => `port0/line${i}`);
const LOOPBACK: Record<string, string> = { ai1: 'ao0', ai3: 'ao1' };

/** The simulated card's wiring and physics, on the lab's clock. */
class SimCardPhysics implements DaqCardBackend {
  private sampling: { timing: ResolvedTiming; t0: number; read: number } | undefined;
  /** Each output's changes, oldest first: [time s, volts]. */
  private readonly outputs = new Map<string, [number, number][]>();
  private readonly levels = new Map<string, boolean>();
  private readonly directions = new Map<string, LineDirection>();
  private readonly counterZero = new Map<string, number>();
  private readonly random: Random;

  constructor(
    private readonly options: SimDaqCardOptions,
    private readonly clock: Clock,
  ) {
    this.random = new Random(options.seed);
    this.counterZero.set('ctr0', clock.now());
  }

  startAnalogInput(timing: ResolvedTiming): void {
    this.sampling = { timing, t0: this.clock.now(), read: 0 };
  }

  stopAnalogInput(): void {
    this.sampling = undefined;
  }

  analogInputAvailable(): number {
    const s = this.require();
    return this.taken(s) - s.read;
  }

  readAnalogInput(samples: number): Float64Array[] {
    const s = this.require();
    const unread = this.taken(s) - s.read;
    if (unread > s.timing.bufferSamplesPerChannel) {
      throw new DaqError(
        'resource_exhausted',
        `analog input buffer overflow: ${unread} samples per channel were waiting in a buffer of ${s.timing.bufferSamplesPerChannel}; read more often or in bigger blocks, or give a bigger bufferSamplesPerChannel`,
      );
    }
    const { rateHz, channels } = s.timing;
    const out = channels.map((channel) => {
      const values = new Float64Array(samples);
      for (let k = 0; k < samples; k++) values[k] = this.sample(channel, s.read + k, s.t0 + (s.read + k) / rateHz);
      return values;
    });
    s.read += samples;
    return out;
  }

  writeAnalogOutput(channel: string, volts: number): void {
    const changes = this.outputs.get(channel) ?? [];
    const now = this.clock.now();
    // Changes older than any sample still to be read are no longer needed (keep the last).
    const oldest = this.sampling === undefined ? now : this.sampling.t0 + this.sampling.read / this.sampling.timing.rateHz;
    while (changes.length > 1 && (changes[1]?.[0] ?? Infinity) <= oldest) changes.shift();
    changes.push([now, volts]);
    this.outputs.set(channel, changes);
  }

  setLineDirection(line: string, direction: LineDirection): void {
    this.directions.set(line, direction);
    if (direction === 'output') this.levels.set(line, false);
  }

  readLine(line: string): boolean {
    if (this.directions.get(line) === 'output') return this.levels.get(line) ?? false;
    const index = LINES.indexOf(line);
    const partner = LINES[index < 4 ? index + 4 : index - 4] as string;
    return this.directions.get(partner) === 'output' ? (this.levels.get(partner) ?? false) : false;
  }

  writeLine(line: string, value: boolean): void {
    this.levels.set(line, value);
  }

  readCounter(counter: string): number {
    return Math.floor((this.clock.now() - (this.counterZero.get(counter) ?? 0)) * this.options.counter_rate);
  }

  resetCounter(counter: string): void {
    this.counterZero.set(counter, this.clock.now());
  }

  /** Samples per channel taken so far (all of a finite acquisition at most). */
  private taken(s: { timing: ResolvedTiming; t0: number }): number {
    const taken = Math.floor((this.clock.now() - s.t0) * s.timing.rateHz + 1e-9);
    return s.timing.samplesPerChannel === undefined ? taken : Math.min(taken, s.timing.samplesPerChannel);
  }

  private sample(channel: string, index: number, timeS: number): number {
    const o = this.options;
    if (channel === 'ai0') return o.sine_amplitude * Math.sin(2 * Math.PI * o.sine_frequency * timeS) + o.noise * this.random.gaussian();
    if (channel === 'ai2') return (index % SIM_RAMP_PERIOD) * SIM_RAMP_STEP_V;
    const output = LOOPBACK[channel];
    if (output === undefined) return 0;
    let volts = 0;
    for (const [at, value] of this.outputs.get(output) ?? []) if (at <= timeS) volts = value;
    return volts;
  }

  private require(): { timing: ResolvedTiming; t0: number; read: number } {
    if (this.sampling === undefined) throw new DaqError('failed_precondition', 'analog input is not running');
    return this.sampling;
  }
}

/** A simulated DAQ card: 4 analog inputs, 2 analog outputs, 8 digital lines, a counter. */
export class SimDaqCard extends DaqCardDevice {
  readonly driver = 'sim-daq-card';
  private physics: SimCardPhysics | undefined;

  constructor(
    name: string,
    private readonly options: SimDaqCardOptions,
    clock: Clock,
  ) {
    const ai = { min: options.ai_min, max: options.ai_max };
    const ao = { min: options.ao_min, max: options.ao_max };
    super(
      name,
      {
        analogInputs: ['ai0', 'ai1', 'ai2', 'ai3'].map((n) => ({ name: n, range: ai, units: 'V' })),
        analogOutputs: ['ao0', 'ao1'].map((n) => ({ name: n, range: ao, units: 'V' })),
        lines: LINES.map((n, i) => ({ name: n, direction: i < 4 ? 'output' : 'input' })),
        counters: ['ctr0'],
        rateRange: { min: 1, max: options.max_rate },
      },
      clock,
    );
  }

  protected backend(): DaqCardBackend {
    if (this.physics === undefined) throw new DaqError('failed_precondition', `${this.name}: not connected`);
    return this.physics;
  }

  protected async openConnection(signal: AbortSignal): Promise<void> {
    await this.clock.sleep(SIM_CONNECT_TIME_S, signal);
    this.physics = new SimCardPhysics(this.options, this.clock);
    this.initialiseOutputs();
  }

  protected async closeConnection(): Promise<void> {
    this.endAcquisition();
    this.physics = undefined;
  }
}

/** The `sim-daq-card` driver. */
export const simDaqCardDriver = defineDriver({
  name: 'sim-daq-card',
  summary: 'simulated DAQ card: hardware-timed analog input (sine, ramp, loopback of the outputs), analog outputs, digital lines, a counter',
  options: simDaqCardOptions,
  create: (name, options, context) => new SimDaqCard(name, options, context.clock),
});
