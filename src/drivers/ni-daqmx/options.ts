/** Lab-config options of `ni-daqmx`. */
import { z } from 'zod';

const name = z.string().regex(/^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)?$/, 'a channel of the device such as "ai0" or a line such as "port0/line3"');
const range = z
  .tuple([z.number(), z.number()])
  .refine(([min, max]) => min < max, { message: 'a range is [min, max] with min below max, in V' });

/** Options of an NI-DAQmx card. */
export const niDaqmxOptions = z
  .strictObject({
    library: z.string().min(1).default('libnidaqmx.so').describe('the NI-DAQmx library: a name the dynamic loader finds, or a path (/usr/lib/x86_64-linux-gnu/libnidaqmx.so)'),
    device: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a device name as NI MAX or `nilsdev` shows it, such as "Dev1"').describe('device name as NI-DAQmx knows it ("Dev1")'),
    ai_channels: z.array(name).default([]).describe('analog inputs to use, by physical name under the device ("ai0")'),
    ai_range: range.default([-10, 10]).describe('range of every analog input, [min, max] V'),
    ai_terminal: z.enum(['default', 'rse', 'nrse', 'diff', 'pseudodiff']).default('default').describe('input terminal configuration of the analog inputs'),
    max_rate: z.number().positive().default(250_000).describe('fastest sample rate of analog input the card supports (Hz; see its specifications)'),
    ao_channels: z.array(name).default([]).describe('analog outputs to use ("ao0")'),
    ao_range: range.default([-10, 10]).describe('range of every analog output, [min, max] V'),
    input_lines: z.array(name).default([]).describe('digital lines that start as inputs ("port0/line4")'),
    output_lines: z.array(name).default([]).describe('digital lines that start as outputs, low ("port0/line0")'),
    counters: z.array(name).default([]).describe('counters that count rising edges at their default input terminal ("ctr0")'),
  })
  .superRefine((o, ctx) => {
    const seen = new Map<string, string>();
    for (const field of ['ai_channels', 'ao_channels', 'input_lines', 'output_lines', 'counters'] as const) {
      o[field].forEach((channel, i) => {
        const first = seen.get(channel);
        if (first !== undefined) ctx.addIssue({ code: 'custom', input: channel, path: [field, i], message: `"${channel}" is already in ${first}` });
        else seen.set(channel, field);
      });
    }
    if (seen.size === 0) ctx.addIssue({ code: 'custom', path: ['ai_channels'], message: 'give at least one channel, line or counter to use' });
  });

/** Validated options of `ni-daqmx`. */
export type NiDaqmxOptions = z.output<typeof niDaqmxOptions>;
