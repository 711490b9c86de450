/** `epics-ca`: EPICS process variables over Channel Access (a motor record, any numeric PV). */
import { defineDriver } from '../../devices/index.js';
import { createEpicsCaDevice } from './epics-ca.js';
import { epicsCaOptions } from './options.js';

export { createEpicsCaDevice, EpicsCaDevice, EpicsMotor, EpicsPv, EpicsSettablePv } from './epics-ca.js';
export { epicsCaOptions, type EpicsCaOptions } from './options.js';

/** The `epics-ca` driver. */
export const epicsCaDriver = defineDriver({
  name: 'epics-ca',
  summary: 'EPICS PVs over Channel Access: a motor record (Movable) or a numeric PV (Readable; settable with `setting`)',
  options: epicsCaOptions,
  // Two devices moving one motor record would fight; reading one PV from several devices is fine.
  claims: (o) => (o.motor === undefined ? [] : [{ field: 'motor', resource: `ca:${o.motor}` }]),
  create: (name, options, context) => createEpicsCaDevice(name, options, context.clock),
});
