/** Lab-config options of `photometrics-pvcam`. */
import { z } from 'zod';

/** Options of a PVCAM camera. */
export const pvcamOptions = z
  .strictObject({
    library: z.string().min(1).default('libpvcam.so').describe('the PVCAM library: a name the dynamic loader finds, or a path (/opt/pvcam/library/x86_64/libpvcam.so)'),
    camera: z.string().min(1).optional().describe('camera name as PVCAM lists it (default: the first camera)'),
    exposure: z.number().positive().default(0.01).describe('exposure time at connect (s)'),
    exposure_min: z.number().positive().default(1e-4).describe('shortest exposure allowed (s)'),
    exposure_max: z.number().positive().max(4000).default(10).describe('longest exposure allowed (s)'),
    temperature: z.number().optional().describe('sensor setpoint applied at connect (°C)'),
    poll_interval: z.number().positive().max(1).default(0.001).describe('how often a running exposure is polled (s)'),
    readout_timeout: z.number().positive().default(5).describe('how long after the exposure a frame may take to arrive (s)'),
    trigger_timeout: z.number().positive().default(60).describe('how long a snap, trigger or stream waits for an edge on the trigger input in the strobed and trigger-first exposure modes (s)'),
  })
  .refine((o) => o.exposure_min < o.exposure_max, { message: 'exposure_min must be below exposure_max', path: ['exposure_max'] })
  .refine((o) => o.exposure >= o.exposure_min && o.exposure <= o.exposure_max, { message: 'exposure must be within exposure_min..exposure_max', path: ['exposure'] });

/** Validated options of `photometrics-pvcam`. */
export type PvcamOptions = z.output<typeof pvcamOptions>;
