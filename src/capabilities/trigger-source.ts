import type { Unsubscribe } from '../core/emitter.js';
import { defineCapability } from './define.js';

/**
 * What a trigger source emits: `count` pulses `1 / rateHz` seconds apart (a delay generator's
 * burst), or one pulse as its axis crosses each of `positions` (a motion controller's
 * position-compare output; positions in the axis's units, strictly increasing or decreasing,
 * crossed in that order).
 */
export type PulseTrain = { rateHz: number; count: number } | { positions: readonly number[] };

/** One trigger pulse. */
export interface Pulse {
  /** 0-based index of the pulse within its train. */
  index: number;
  /** When the pulse was emitted, s since the epoch on the source's clock. */
  timeS: number;
  /** Position of the source's axis at the pulse (its units), when the source has an axis. */
  position?: number;
}

/**
 * A device that emits trigger pulses that other devices follow (hardware-timed acquisition):
 * a pulse generator, or the position-compare output of a motion controller. Set the train with
 * `setPulseTrain`, then `startPulses`; pulses go to `onPulse` listeners the moment they are
 * emitted, in order. A train that is not valid (a rate or count that is not positive, positions
 * that are not finite or not monotonic, positions on a source without an axis) is refused with
 * `invalid_argument` and nothing changes; changing the train while pulsing is refused with
 * `failed_precondition`.
 */
export interface TriggerSource {
  /** Sets the train the next `startPulses()` emits. */
  setPulseTrain(train: PulseTrain): Promise<void>;
  /** Starts emitting the train (a position train waits for its axis to cross each position); resolves once armed. */
  startPulses(): Promise<void>;
  /** Stops emitting; resolves once no more pulses will come. Does nothing when not pulsing. */
  stopPulses(): Promise<void>;
  /** Resolves once every pulse of the train has been emitted (at once when not pulsing); `deadline_exceeded` after `timeoutS`. */
  waitPulses(timeoutS?: number): Promise<void>;
  /** Calls `listener` with every pulse, as it is emitted. */
  onPulse(listener: (pulse: Pulse) => void): Unsubscribe;
}

export const triggerSource = defineCapability<TriggerSource>()(
  'TriggerSource',
  'emits trigger pulses at a rate or at positions of an axis (setPulseTrain, startPulses, stopPulses, waitPulses)',
  ['setPulseTrain', 'startPulses', 'stopPulses', 'waitPulses', 'onPulse'],
);
