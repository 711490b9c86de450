import type { Unsubscribe } from '../core/emitter.js';
import { defineCapability } from './define.js';
import type { Frame } from './frame-producer.js';
import type { Reading } from './readable.js';
import type { Pulse, TriggerSource } from './trigger-source.js';

/** What a hardware-triggered device acquired on one pulse. */
export interface TriggeredAcquisition {
  /** The pulse that started it. */
  pulse: Pulse;
  /** Start of the exposure (or averaging window), s since the epoch. */
  startS: number;
  /** Length of the exposure (or averaging window), s. */
  exposureS: number;
  /** The frame of a camera, the reading of a detector. */
  value: Frame | Reading;
}

/**
 * A camera or detector that acquires once per pulse of a {@link TriggerSource} (an external
 * trigger input): each pulse starts one exposure (a frame) or one averaging window (a reading)
 * at the pulse's time, and the result goes to `onTriggered` listeners (a camera's frames also
 * go to its `onFrame` listeners). A pulse that comes while the previous acquisition still runs
 * and the device cannot take it (a camera reading out) is missed: no acquisition, and
 * `missedTriggers()` counts it.
 */
export interface HardwareTriggered {
  /** Acquires on every pulse of `source` from now on; `undefined` stops following. Replaces a source followed before. */
  followTrigger(source: TriggerSource | undefined): Promise<void>;
  /** Calls `listener` with every acquisition made on a pulse. */
  onTriggered(listener: (acquisition: TriggeredAcquisition) => void): Unsubscribe;
  /** Pulses missed since the source was followed (the device was still busy with the one before). */
  missedTriggers(): number;
}

export const hardwareTriggered = defineCapability<HardwareTriggered>()(
  'HardwareTriggered',
  'acquires once per pulse of a trigger source (followTrigger, onTriggered, missedTriggers)',
  ['followTrigger', 'onTriggered', 'missedTriggers'],
);
