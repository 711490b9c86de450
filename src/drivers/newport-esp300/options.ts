/** Lab-config options of `newport-esp300`. */
import { z } from 'zod';
import { portOption, timeoutOption } from '../common/options.js';

/** Options of one ESP300 axis. */
export const esp300Options = z
  .strictObject({
    port: portOption,
    axis: z.number().int().min(1).max(3).describe('axis number on the controller (1-3)'),
    baud: z.number().int().positive().default(19200).describe('baud rate (the ESP300 runs at 19200, 8N1)'),
    handshake: z.boolean().default(true).describe('RTS/CTS hardware handshake (the ESP300 uses it; turn off only for a cable without the handshake lines)'),
    units: z.string().min(1).default('mm').describe('position units the axis is set up in (mm, deg)'),
    min: z.number().describe('lower soft limit (units), also sent to the controller (nSL)'),
    max: z.number().describe('upper soft limit (units), also sent to the controller (nSR)'),
    velocity: z.number().positive().default(5).describe('top speed of moves (units/s), sent as nVA'),
    acceleration: z.number().positive().default(20).describe('acceleration of moves (units/s^2), sent as nAC'),
    max_velocity: z.number().positive().default(1000).describe('largest velocity the velocity setting accepts (units/s)'),
    max_acceleration: z.number().positive().default(100000).describe('largest acceleration the acceleration setting accepts (units/s^2)'),
    poll_interval: z.number().positive().max(1).default(0.02).describe('how often a move is polled with nMD? (s)'),
    home_on_connect: z.boolean().default(false).describe('run a home search (nOR) when connecting'),
    timeout: timeoutOption(1),
  })
  .refine((o) => o.min < o.max, { message: 'min must be below max', path: ['max'] })
  .refine((o) => o.velocity <= o.max_velocity, { message: 'velocity must not exceed max_velocity', path: ['velocity'] })
  .refine((o) => o.acceleration <= o.max_acceleration, { message: 'acceleration must not exceed max_acceleration', path: ['acceleration'] });

/** Validated options of `newport-esp300`. */
export type Esp300Options = z.output<typeof esp300Options>;
