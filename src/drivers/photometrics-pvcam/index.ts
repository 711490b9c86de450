/** `photometrics-pvcam`: Photometrics cameras through the PVCAM library (FFI). */
import { defineDriver } from '../../devices/index.js';
import { PvcamCamera } from './camera.js';
import { pvcamOptions } from './options.js';

export { PvcamCamera } from './camera.js';
export { pvcamOptions, type PvcamOptions } from './options.js';

/** The `photometrics-pvcam` driver. */
export const pvcamDriver = defineDriver({
  name: 'photometrics-pvcam',
  summary: 'Photometrics camera through the PVCAM library (loaded only when configured): frames, exposure, ROI, binning, exposure modes (timed, trigger-first, strobed), hardware trigger, cooling',
  options: pvcamOptions,
  claims: (o) => [{ field: 'camera', resource: `pvcam:${o.camera ?? '(first camera)'}` }],
  create: (name, options, context) => new PvcamCamera(name, options, context.clock),
});
