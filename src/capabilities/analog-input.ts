import { defineCapability } from './define.js';
import type { Limits } from './movable.js';
import type { Reading } from './readable.js';

/** One analog channel of a data-acquisition card, input or output. */
export interface AnalogChannel {
  /** The channel's name as the lab config gives it (`ai0`, `ao1`). */
  name: string;
  /** The range the channel is set to, in `units`. */
  range: Limits;
  /** Units of its values: `V`. */
  units: string;
}

/** How hardware-timed analog input runs: set with `configureAnalogInput`. */
export interface AnalogInputTiming {
  /** Samples per second of each channel, on the card's sample clock (Hz). */
  rateHz: number;
  /** Samples per channel to acquire, then stop by itself; omitted: continuous until `stopAnalogInput()`. */
  samplesPerChannel?: number;
  /** Channels to sample, by name, in this order (default: every channel of `analogInputChannels()`). */
  channels?: readonly string[];
  /**
   * Samples per channel the input buffer holds (default: the driver's, at least one second).
   * Samples not read before the buffer fills are lost: the next read fails (an overflow).
   */
  bufferSamplesPerChannel?: number;
}

/**
 * A block of samples read from hardware-timed analog input: `samples` consecutive samples of
 * each channel, starting at sample `firstSample` (0 is the first sample after the start).
 */
export interface AnalogBlock {
  /** Index of the block's first sample since `startAnalogInput()`; blocks follow without gaps. */
  firstSample: number;
  /** Samples per channel in the block. */
  samples: number;
  /** Sample rate (Hz); sample `k` of the block was taken `k / rateHz` s after the first. */
  rateHz: number;
  /** Each channel's samples as a reading: `value` the samples in order, `timestampS` the time of the first, units `V`. */
  channels: Record<string, Reading>;
}

/**
 * Hardware-timed, buffered analog input (a data-acquisition card): the card samples its
 * channels on its own clock at `rateHz` into a buffer, and `readAnalogInput(n)` takes the next
 * `n` samples of each channel from it, in order, none skipped, none repeated. A read waits for
 * samples not yet taken (`deadline_exceeded` after `timeoutS`); a read past the last sample of a
 * finite acquisition is refused with `out_of_range`. Samples not read before the
 * buffer fills are lost: that read fails with `resource_exhausted` naming the overflow, the
 * acquisition stops, and `startAnalogInput()` starts it again. Settings are refused while
 * acquiring (`failed_precondition`); a rate outside `analogInputRateRange()` with
 * `out_of_range`; an unknown channel with `not_found`; a count that is not a positive integer
 * with `invalid_argument`.
 */
export interface AnalogInput {
  /** The input channels and their ranges. */
  analogInputChannels(): AnalogChannel[];
  /** Sample rates the card can run at, Hz. */
  analogInputRateRange(): Limits;
  /** Sets the timing of the next acquisition. */
  configureAnalogInput(timing: AnalogInputTiming): Promise<void>;
  /** The timing in force (the channels filled in). */
  analogInputTiming(): Promise<AnalogInputTiming>;
  /** Starts sampling; resolves once the sample clock runs. The device is `busy` until it stops. */
  startAnalogInput(): Promise<void>;
  /** Stops sampling and discards what was not read. Does nothing when not acquiring. */
  stopAnalogInput(): Promise<void>;
  /** The next `samplesPerChannel` samples of each channel (waits for them, at most `timeoutS`, default 10 s). */
  readAnalogInput(samplesPerChannel: number, timeoutS?: number): Promise<AnalogBlock>;
}

export const analogInput = defineCapability<AnalogInput>()(
  'AnalogInput',
  'hardware-timed buffered analog input at a set rate (configureAnalogInput, startAnalogInput, readAnalogInput, stopAnalogInput)',
  ['analogInputChannels', 'analogInputRateRange', 'configureAnalogInput', 'analogInputTiming', 'startAnalogInput', 'stopAnalogInput', 'readAnalogInput'],
);

/** True for an {@link AnalogBlock}: a first sample number and a reading per channel. */
export function isAnalogBlock(value: unknown): value is AnalogBlock {
  return typeof value === 'object' && value !== null && typeof (value as AnalogBlock).firstSample === 'number' && typeof (value as AnalogBlock).channels === 'object';
}
