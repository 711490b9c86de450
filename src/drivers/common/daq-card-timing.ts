/**
 * The parts of a data-acquisition card that are data: what a driver does on the hardware
 * ({@link DaqCardBackend}), what a card has ({@link DaqCardLayout}), and a timing checked against
 * the card and filled in ({@link resolveTiming}).
 */
import type { AnalogChannel, AnalogInputTiming, DigitalLine, LineDirection, Limits } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import { requireInRange } from '../../devices/index.js';

/** A timing with every field filled in. */
export interface ResolvedTiming {
  rateHz: number;
  /** `undefined`: continuous. */
  samplesPerChannel: number | undefined;
  channels: string[];
  bufferSamplesPerChannel: number;
}

/** What a card's driver does on the hardware. Every call may throw a `DaqError`. */
export interface DaqCardBackend {
  /** Sets up and starts hardware-timed sampling. */
  startAnalogInput(timing: ResolvedTiming): void;
  /** Stops sampling and frees it. Safe to call when not sampling. */
  stopAnalogInput(): void;
  /** Samples per channel taken and not yet read. */
  analogInputAvailable(): number;
  /** Takes the next `samples` samples per channel (they are available): one array per channel, in timing order. */
  readAnalogInput(samples: number): Float64Array[];
  writeAnalogOutput(channel: string, volts: number): void;
  setLineDirection(line: string, direction: LineDirection): void;
  readLine(line: string): boolean;
  writeLine(line: string, value: boolean): void;
  readCounter(counter: string): number;
  resetCounter(counter: string): void;
}

/** The channels, lines and counters a card has (from its lab config), and its rates. */
export interface DaqCardLayout {
  analogInputs: AnalogChannel[];
  analogOutputs: AnalogChannel[];
  /** Each line with its direction at connect. */
  lines: DigitalLine[];
  counters: string[];
  rateRange: Limits;
}

/** The timing until one is configured: 1 kHz (or the nearest rate the card has) on every input, one second of buffer (at least 1000 samples). */
export function defaultTiming(layout: DaqCardLayout): ResolvedTiming {
  const rateHz = Math.min(layout.rateRange.max, Math.max(layout.rateRange.min, 1000));
  return { rateHz, samplesPerChannel: undefined, channels: layout.analogInputs.map((c) => c.name), bufferSamplesPerChannel: Math.max(Math.ceil(rateHz), 1000) };
}

/**
 * `timing` checked against the card `layout` of `device` and filled in: a rate outside the
 * card's is `out_of_range`, an unknown channel `not_found`, counts that are not whole numbers
 * >= 1 `invalid_argument`.
 */
export function resolveTiming(device: string, layout: DaqCardLayout, timing: AnalogInputTiming): ResolvedTiming {
  const { rateHz, samplesPerChannel, channels, bufferSamplesPerChannel } = timing ?? ({} as AnalogInputTiming);
  requireInRange(device, 'sample rate', rateHz, layout.rateRange, 'Hz');
  const whole = (value: unknown, what: string): void => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) {
      throw new DaqError('invalid_argument', `${what} must be a whole number >= 1, got ${String(value)}`);
    }
  };
  whole(samplesPerChannel, 'samplesPerChannel');
  whole(bufferSamplesPerChannel, 'bufferSamplesPerChannel');
  const names = layout.analogInputs.map((c) => c.name);
  const chosen = channels === undefined ? names : [...channels];
  if (chosen.length === 0) throw new DaqError('invalid_argument', names.length === 0 ? 'the card has no analog input configured' : 'give at least one channel');
  for (const c of chosen) if (!names.includes(c)) throw new DaqError('not_found', `no analog input "${c}" (inputs: ${names.join(', ')})`);
  if (new Set(chosen).size !== chosen.length) throw new DaqError('invalid_argument', `a channel is given twice: ${chosen.join(', ')}`);
  return {
    rateHz,
    samplesPerChannel,
    channels: chosen,
    // One second of samples, at least 1000, unless told; a finite acquisition fits whole.
    bufferSamplesPerChannel: bufferSamplesPerChannel ?? Math.max(samplesPerChannel ?? 0, Math.ceil(rateHz), 1000),
  };
}
