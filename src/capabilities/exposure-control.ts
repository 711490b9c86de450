import { defineCapability } from './define.js';
import type { Limits } from './movable.js';

/** A detector with a settable exposure (integration) time, in seconds. */
export interface ExposureControl {
  /** Sets the exposure time in seconds; `out_of_range` outside `exposureRange()`. */
  setExposure(exposureS: number): Promise<void>;
  /** The exposure time in seconds. */
  exposure(): Promise<number>;
  /** Allowed exposure times in seconds. */
  exposureRange(): Limits;
}

export const exposureControl = defineCapability<ExposureControl>()(
  'ExposureControl',
  'has a settable exposure time in seconds (setExposure, exposure)',
  ['setExposure', 'exposure', 'exposureRange'],
);
