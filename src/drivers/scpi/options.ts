/**
 * Lab-config options of `scpi`: a generic SCPI instrument described entirely in the config.
 * Each capability table that is present gives the device that capability:
 *
 * ```toml
 * [devices.supply]
 * driver = "scpi"
 * port = "tcp://192.168.1.20:5025"          # LAN (SCPI raw socket) or a serial port
 * identity = "E3631A"                       # *IDN? must contain this (optional)
 * error_query = "SYST:ERR?"                 # asked after every setting; 0 means no error
 * read = { query = "MEAS:VOLT?", units = "V" }                      # Readable
 * voltage = { set = "VOLT {value}", query = "VOLT?", min = 0, max = 25 }   # VoltageSource
 * wavelength = { set = "SENS:CORR:WAV {value}", query = "SENS:CORR:WAV?", min = 400, max = 1100 }
 * ```
 */
import { z } from 'zod';
import { portOption, timeoutOption } from '../common/options.js';

/** A regex with one capture group around the number, checked when the config loads. */
const replyPattern = z
  .string()
  .superRefine((text, context) => {
    let groups: number;
    try {
      // `(?:x)|` always matches the empty string, with one slot per capture group of x.
      groups = (new RegExp(`(?:${text})|`).exec('')?.length ?? 1) - 1;
    } catch {
      return context.addIssue({ code: 'custom', message: 'not a valid regular expression' });
    }
    if (groups < 1) context.addIssue({ code: 'custom', message: 'needs a capture group ( ... ) around the number' });
  })
  .optional()
  .describe('regular expression whose first group is the number in the reply (default: the first number)');

const readTable = z.strictObject({
  query: z.string().min(1).describe('query that returns the measured value, such as MEAS:VOLT?'),
  units: z.string().default('').describe('units of the value (V, A, W, degC)'),
  parse: replyPattern,
  scale: z.number().default(1).describe('factor applied to the parsed number'),
});

const settingTable = z
  .strictObject({
    set: z.string().includes('{value}', { message: 'must contain {value}, where the number goes' }).describe('command template; {value} is replaced by the number'),
    query: z.string().min(1).describe('query that returns the present value'),
    parse: replyPattern,
    min: z.number().describe('smallest value allowed'),
    max: z.number().describe('largest value allowed'),
  })
  .refine((o) => o.min < o.max, { message: 'min must be below max', path: ['max'] });

/** Options of a `scpi` device. */
export const scpiOptions = z.strictObject({
  port: portOption,
  baud: z.number().int().positive().default(9600).describe('baud rate when on a serial port'),
  terminator: z.enum(['\n', '\r\n', '\r']).default('\n').describe('ends each command (replies end with LF)'),
  identity: z.string().optional().describe('text the *IDN? reply must contain; connecting fails otherwise'),
  error_query: z.string().optional().describe('query for the oldest error, such as SYST:ERR?; asked after every setting'),
  read: readTable.optional().describe('makes the device Readable'),
  voltage: settingTable.optional().describe('makes the device a VoltageSource (and Stoppable: stop() sets 0 V)'),
  wavelength: settingTable.optional().describe('makes the device WavelengthTunable'),
  timeout: timeoutOption(1),
});

/** Validated options of `scpi`. */
export type ScpiOptions = z.output<typeof scpiOptions>;
/** A settable quantity of a `scpi` device. */
export type ScpiSetting = NonNullable<ScpiOptions['voltage']>;
