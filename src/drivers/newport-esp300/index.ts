/** `newport-esp300`: Newport ESP300 motion controller, one device per axis. */
import { defineDriver } from '../../devices/index.js';
import { portClaim } from '../common/options.js';
import { Esp300Axis } from './esp300.js';
import { esp300Options } from './options.js';

export { Esp300Axis } from './esp300.js';
export { esp300Options, type Esp300Options } from './options.js';
export { Esp300Simulator, type Esp300SimulatorOptions } from './simulator.js';

/** The `newport-esp300` driver. */
export const esp300Driver = defineDriver({
  name: 'newport-esp300',
  summary: 'Newport ESP300 motion controller axis (serial, 19200 8N1); axes of one controller share its port',
  options: esp300Options,
  claims: (o) => [portClaim(o.port, { group: 'newport-esp300', address: `axis ${o.axis}` })],
  create: (name, options, context) => new Esp300Axis(name, options, context.clock),
});
