/** `spectra-physics-maitai`: Spectra-Physics MaiTai Ti:Sapphire laser. */
import { defineDriver } from '../../devices/index.js';
import { portClaim } from '../common/options.js';
import { MaiTai } from './maitai.js';
import { maiTaiOptions } from './options.js';

export { MaiTai } from './maitai.js';
export { maiTaiOptions, type MaiTaiOptions } from './options.js';
export { MaiTaiSimulator, type MaiTaiSimulatorOptions } from './simulator.js';

/** The `spectra-physics-maitai` driver. */
export const maiTaiDriver = defineDriver({
  name: 'spectra-physics-maitai',
  summary: 'Spectra-Physics MaiTai Ti:Sapphire laser (serial): wavelength, shutter, emission, power',
  options: maiTaiOptions,
  claims: (o) => [portClaim(o.port)],
  create: (name, options, context) => new MaiTai(name, options, context.clock),
});
