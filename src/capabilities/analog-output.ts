import type { AnalogChannel } from './analog-input.js';
import { defineCapability } from './define.js';

/**
 * Analog outputs of a data-acquisition card, set one value at a time (software timed). A value
 * outside the channel's range is refused with `out_of_range`, an unknown channel with
 * `not_found`; either leaves every output as it was. When the device is also Stoppable, its
 * safe state is 0 V on every output (or the value of the range nearest 0).
 */
export interface AnalogOutput {
  /** The output channels and their ranges. */
  analogOutputChannels(): AnalogChannel[];
  /** Sets output `channel` to `volts` (V); resolves once the card outputs it. */
  writeAnalogOutput(channel: string, volts: number): Promise<void>;
  /** The value output `channel` was last set to, V. */
  analogOutput(channel: string): Promise<number>;
}

export const analogOutput = defineCapability<AnalogOutput>()(
  'AnalogOutput',
  'sets analog outputs in V, one value per channel (writeAnalogOutput, analogOutput)',
  ['analogOutputChannels', 'writeAnalogOutput', 'analogOutput'],
);
