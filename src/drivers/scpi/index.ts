/** `scpi`: any SCPI instrument, described in the lab config. */
import { defineDriver } from '../../devices/index.js';
import { portClaim } from '../common/options.js';
import { scpiOptions } from './options.js';
import { createScpiDevice } from './scpi.js';

export { scpiOptions, type ScpiOptions } from './options.js';
export { createScpiDevice, parseReply, ScpiDevice } from './scpi.js';
export { ScpiSimulator } from './simulator.js';

/** The `scpi` driver. */
export const scpiDriver = defineDriver({
  name: 'scpi',
  summary: 'generic SCPI instrument over TCP (port 5025) or serial, its commands and capabilities defined in the lab config',
  options: scpiOptions,
  claims: (o) => [portClaim(o.port)],
  create: (name, options, context) => createScpiDevice(name, options, context.clock),
});
