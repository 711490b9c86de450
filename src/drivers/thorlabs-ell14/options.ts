/** Lab-config options of `thorlabs-ell14`. */
import { z } from 'zod';
import { portOption, timeoutOption } from '../common/options.js';

/** Options of one ELL14 mount. */
export const ell14Options = z
  .strictObject({
    port: portOption,
    address: z.string().regex(/^[0-9A-Fa-f]$/, 'a hex digit 0-F').default('0').describe('address of the mount on the bus (hex digit 0-F)'),
    baud: z.number().int().positive().default(9600).describe('baud rate (ELLx: 9600 8N1)'),
    min: z.number().default(0).describe('lower soft limit (deg)'),
    max: z.number().default(360).describe('upper soft limit (deg)'),
    poll_interval: z.number().positive().max(1).default(0.02).describe('how often a move is polled with gs (s)'),
    home_on_connect: z.boolean().default(false).describe('home the mount (ho0) when connecting'),
    timeout: timeoutOption(1),
  })
  .refine((o) => o.min < o.max, { message: 'min must be below max', path: ['max'] });

/** Validated options of `thorlabs-ell14`. */
export type Ell14Options = z.output<typeof ell14Options>;
