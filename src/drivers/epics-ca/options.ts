/**
 * Lab-config options of `epics-ca`: EPICS process variables over Channel Access.
 *
 * ```toml
 * [devices.theta]
 * driver = "epics-ca"
 * motor = "BL7:m1"          # a motor record: Movable + Stoppable (VAL, RBV, DMOV, STOP, LLM, HLM, EGU)
 *
 * [devices.temperature]
 * driver = "epics-ca"
 * pv = "BL7:temp"           # any numeric PV: Readable
 *
 * [devices.bias]
 * driver = "epics-ca"
 * pv = "BL7:bias"
 * setting = { min = 0, max = 10 }   # also settable: Parameterized, setting `value`
 * ```
 */
import { z } from 'zod';

/** A PV name as Channel Access carries it (at most 60 characters in practice; no spaces). */
const pvName = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[^\s"']+$/, { message: 'a PV name has no spaces or quotes' });

/** Options of an `epics-ca` device. */
export const epicsCaOptions = z
  .strictObject({
    motor: pvName.optional().describe('record name of a motor record (BL7:m1): the device is Movable and Stoppable'),
    pv: pvName.optional().describe('name of a numeric PV (BL7:temp, BL7:bias.VAL): the device is Readable'),
    units: z.string().optional().describe('units of `pv` (default: the PV\'s own EGU)'),
    setting: z
      .strictObject({
        min: z.number().describe('smallest value allowed'),
        max: z.number().describe('largest value allowed'),
      })
      .refine((o) => o.min < o.max, { message: 'min must be below max', path: ['max'] })
      .optional()
      .describe('makes `pv` settable: Parameterized with the setting `value`, within min..max'),
    timeout: z.number().positive().max(120).default(5).describe('how long to wait for the IOC: to find each PV, and for each get and put (s)'),
    move_timeout: z.number().positive().default(600).describe('longest a motor move may take before it counts as stuck (s)'),
    poll: z.number().positive().max(10).default(0.05).describe('how often DMOV is read during a move (s)'),
    addr_list: z.string().optional().describe('EPICS_CA_ADDR_LIST of the daemon (space-separated hosts); with it, EPICS_CA_AUTO_ADDR_LIST is NO. Default: the environment'),
    server_port: z.number().int().min(1).max(65535).optional().describe('EPICS_CA_SERVER_PORT (default: the environment, else 5064)'),
    repeater_port: z.number().int().min(1).max(65535).optional().describe('EPICS_CA_REPEATER_PORT (default: the environment, else 5065)'),
  })
  .superRefine((o, context) => {
    if ((o.motor === undefined) === (o.pv === undefined)) {
      context.addIssue({ code: 'custom', message: 'give exactly one of `motor` (a motor record) or `pv` (a numeric PV)', path: ['motor'] });
    }
    if (o.motor !== undefined && (o.setting !== undefined || o.units !== undefined)) {
      context.addIssue({ code: 'custom', message: '`setting` and `units` go with `pv`; a motor takes its limits from LLM/HLM and its units from EGU', path: ['motor'] });
    }
  });

/** Validated options of `epics-ca`. */
export type EpicsCaOptions = z.output<typeof epicsCaOptions>;
