/** Lab-config options of `newport-1830c`. */
import { z } from 'zod';
import { portOption, timeoutOption } from '../common/options.js';

/** Options of an 1830-C power meter. */
export const newport1830cOptions = z
  .strictObject({
    port: portOption,
    baud: z.number().int().positive().default(9600).describe('baud rate (1830-C: 9600 8N1)'),
    wavelength_min: z.number().positive().default(400).describe('shortest calibration wavelength of the detector (nm)'),
    wavelength_max: z.number().positive().default(1100).describe('longest calibration wavelength of the detector (nm)'),
    filter: z.enum(['slow', 'medium', 'fast']).default('medium').describe('averaging filter (F1 slow, F2 medium, F3 fast)'),
    attenuator: z.boolean().optional().describe('whether the detector\'s attenuator is on (sent as A1/A0; unset: left as the meter has it)'),
    timeout: timeoutOption(2),
  })
  .refine((o) => o.wavelength_min < o.wavelength_max, { message: 'wavelength_min must be below wavelength_max', path: ['wavelength_max'] });

/** Validated options of `newport-1830c`. */
export type Newport1830cOptions = z.output<typeof newport1830cOptions>;
