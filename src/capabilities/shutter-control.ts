import { defineCapability } from './define.js';

/** A device with a shutter. Closed is the safe state. */
export interface ShutterControl {
  openShutter(): Promise<void>;
  closeShutter(): Promise<void>;
  /** True when the shutter is open. */
  isShutterOpen(): Promise<boolean>;
}

export const shutterControl = defineCapability<ShutterControl>()(
  'ShutterControl',
  'has a shutter (openShutter, closeShutter, isShutterOpen)',
  ['openShutter', 'closeShutter', 'isShutterOpen'],
);
