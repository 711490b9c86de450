/** `newport-1830c`: Newport 1830-C optical power meter. */
import { defineDriver } from '../../devices/index.js';
import { portClaim } from '../common/options.js';
import { newport1830cOptions } from './options.js';
import { Newport1830c } from './power-meter.js';

export { newport1830cOptions, type Newport1830cOptions } from './options.js';
export { Newport1830c } from './power-meter.js';
export { Newport1830cSimulator, type Newport1830cSimulatorOptions } from './simulator.js';

/** The `newport-1830c` driver. */
export const newport1830cDriver = defineDriver({
  name: 'newport-1830c',
  summary: 'Newport 1830-C optical power meter (serial): power in W, calibration wavelength',
  options: newport1830cOptions,
  claims: (o) => [portClaim(o.port)],
  create: (name, options, context) => new Newport1830c(name, options, context.clock),
});
