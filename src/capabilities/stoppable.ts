import { defineCapability } from './define.js';

/**
 * A device that can be brought to its safe state at once: motion halted, shutters closed,
 * outputs to zero. The run engine calls `stop()` on every such device when a run is aborted,
 * so `stop()` must be safe to call at any time, from any state, more than once.
 */
export interface Stoppable {
  /** Goes to the safe state; resolves once the device is there. */
  stop(): Promise<void>;
}

export const stoppable = defineCapability<Stoppable>()(
  'Stoppable',
  'can go to a safe state at once (halt motion, close shutters, zero outputs)',
  ['stop'],
);
