import { defineCapability } from './define.js';

/**
 * A device that is prepared before a run and restored after it (Bluesky's stage/unstage):
 * `stage()` remembers the settings it changes and applies run settings; `unstage()` puts back
 * what `stage()` changed. The run engine stages every device a run uses and unstages them at
 * the end, also after a failure. Both are idempotent.
 */
export interface Stageable {
  stage(): Promise<void>;
  unstage(): Promise<void>;
}

export const stageable = defineCapability<Stageable>()(
  'Stageable',
  'is prepared before a run and restored after it (stage, unstage)',
  ['stage', 'unstage'],
);
