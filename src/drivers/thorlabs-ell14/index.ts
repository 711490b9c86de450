/** `thorlabs-ell14`: Thorlabs ELL14 rotation mounts on an RS-485 bus. */
import { defineDriver } from '../../devices/index.js';
import { portClaim } from '../common/options.js';
import { Ell14Mount } from './ell14.js';
import { ell14Options } from './options.js';

export { Ell14Mount } from './ell14.js';
export { ell14Options, type Ell14Options } from './options.js';
export { Ell14BusSimulator, ELL14_PULSES_PER_REV, type Ell14BusSimulatorOptions } from './simulator.js';

/** The `thorlabs-ell14` driver. */
export const ell14Driver = defineDriver({
  name: 'thorlabs-ell14',
  summary: 'Thorlabs ELL14 rotation mount in degrees (RS-485 bus, 9600 8N1); mounts on one bus share its port',
  options: ell14Options,
  claims: (o) => [portClaim(o.port, { group: 'thorlabs-ell14', address: `address ${o.address.toUpperCase()}` })],
  create: (name, options, context) => new Ell14Mount(name, options, context.clock),
});
