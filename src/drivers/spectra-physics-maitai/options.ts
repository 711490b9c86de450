/** Lab-config options of `spectra-physics-maitai`. */
import { z } from 'zod';
import { portOption, timeoutOption } from '../common/options.js';

/** Options of a MaiTai laser. */
export const maiTaiOptions = z
  .strictObject({
    port: portOption,
    baud: z.number().int().positive().default(9600).describe('baud rate (MaiTai: 9600 8N1)'),
    xonxoff: z.boolean().default(true).describe('XON/XOFF software flow control (the MaiTai uses it)'),
    wavelength_min: z.number().positive().default(690).describe('shortest wavelength allowed (nm)'),
    wavelength_max: z.number().positive().default(1040).describe('longest wavelength allowed (nm)'),
    tune_timeout: z.number().positive().default(30).describe('how long tuning or switching emission may take (s)'),
    poll_interval: z.number().positive().max(5).default(0.1).describe('how often a change is read back while waiting for it (s)'),
    close_shutter_on_disconnect: z.boolean().default(true).describe('close the shutter when the daemon lets go of the laser'),
    timeout: timeoutOption(3),
  })
  .refine((o) => o.wavelength_min < o.wavelength_max, { message: 'wavelength_min must be below wavelength_max', path: ['wavelength_max'] });

/** Validated options of `spectra-physics-maitai`. */
export type MaiTaiOptions = z.output<typeof maiTaiOptions>;
