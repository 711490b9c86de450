/** `ni-daqmx`: National Instruments data-acquisition cards through the NI-DAQmx library (FFI). */
import { defineDriver } from '../../devices/index.js';
import { NiDaqmxCard } from './daq-card.js';
import { niDaqmxOptions } from './options.js';

export { NiDaqmxCard } from './daq-card.js';
export { niDaqmxOptions, type NiDaqmxOptions } from './options.js';

/** The `ni-daqmx` driver. */
export const niDaqmxDriver = defineDriver({
  name: 'ni-daqmx',
  summary: 'National Instruments DAQ card through the NI-DAQmx library (loaded only when configured): hardware-timed analog input, analog outputs, digital lines, counters',
  options: niDaqmxOptions,
  claims: (o) => [{ field: 'device', resource: `nidaqmx:${o.device}` }],
  create: (name, options, context) => new NiDaqmxCard(name, options, context.clock),
});
