import { defineCapability } from './define.js';
import type { Limits } from './movable.js';

/** An output that sources a voltage in volts. Its safe state is 0 V. */
export interface VoltageSource {
  /** Sets the output in V; `out_of_range` outside `voltageRange()`. */
  setVoltage(volts: number): Promise<void>;
  /** The output voltage in V. */
  voltage(): Promise<number>;
  /** Allowed output in V. */
  voltageRange(): Limits;
}

export const voltageSource = defineCapability<VoltageSource>()(
  'VoltageSource',
  'sources a voltage in V (setVoltage, voltage)',
  ['setVoltage', 'voltage', 'voltageRange'],
);
