import { defineCapability } from './define.js';
import type { Limits } from './movable.js';

/** A source or detector tuned to a wavelength in nanometres. */
export interface WavelengthTunable {
  /** Tunes to `wavelengthNm`; resolves when tuned. `out_of_range` outside `wavelengthRange()`. */
  setWavelength(wavelengthNm: number): Promise<void>;
  /** The present wavelength in nm. */
  wavelength(): Promise<number>;
  /** Tuning range in nm. */
  wavelengthRange(): Limits;
}

export const wavelengthTunable = defineCapability<WavelengthTunable>()(
  'WavelengthTunable',
  'tunes to a wavelength in nm (setWavelength, wavelength)',
  ['setWavelength', 'wavelength', 'wavelengthRange'],
);
