import { defineCapability } from './define.js';

/** A source whose emission (laser diode, pump, HV) is switched on and off. */
export interface EmissionControl {
  enableEmission(): Promise<void>;
  disableEmission(): Promise<void>;
  /** True when emitting. */
  isEmissionEnabled(): Promise<boolean>;
}

export const emissionControl = defineCapability<EmissionControl>()(
  'EmissionControl',
  'switches emission on and off (enableEmission, disableEmission)',
  ['enableEmission', 'disableEmission', 'isEmissionEnabled'],
);
