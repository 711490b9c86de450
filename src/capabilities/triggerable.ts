import { defineCapability } from './define.js';

/**
 * A device whose acquisition is started by a trigger. `arm()` prepares it (for a camera:
 * allocate buffers, apply settings); `trigger()` acquires once and resolves when the
 * acquisition is complete and its data can be read (a camera emits the frame to its `onFrame`
 * listeners).
 */
export interface Triggerable {
  /** Prepares the device for triggered acquisition. */
  arm(): Promise<void>;
  /** Acquires once; resolves when done. Arms first if needed. */
  trigger(): Promise<void>;
}

export const triggerable = defineCapability<Triggerable>()(
  'Triggerable',
  'acquires on a trigger (arm, trigger)',
  ['arm', 'trigger'],
);
