/** `daq drivers [--json]`: the drivers a lab config can use, with their options. */
import type { Command } from 'commander';
import type { z } from 'zod';
import { DRIVERS } from '../../drivers/index.js';
import { exitHelp, formatTable, printJson } from '../output.js';

interface OptionDoc {
  name: string;
  description: string;
  default?: unknown;
}

function optionDocs(schema: z.ZodType): OptionDoc[] {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  return Object.entries(shape).map(([name, field]) => {
    const parsed = field.safeParse(undefined);
    return {
      name,
      description: field.description ?? '',
      ...(parsed.success && parsed.data !== undefined ? { default: parsed.data } : {}),
    };
  });
}

/** Registers the command on `program`. */
export function registerDrivers(program: Command): void {
  program
    .command('drivers')
    .description('list the drivers a lab config can use, and their options')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText('after', exitHelp({ 0: 'listed' }))
    .action((options: { json?: boolean }) => {
      const drivers = [...DRIVERS.values()].map((d) => ({ name: d.name, summary: d.summary, options: optionDocs(d.options) }));
      if (options.json) return printJson({ drivers });
      for (const driver of drivers) {
        process.stdout.write(`${driver.name}: ${driver.summary}\n`);
        const rows = driver.options.map((o) => ['  ' + o.name, o.default === undefined ? '' : JSON.stringify(o.default), o.description]);
        if (rows.length > 0) process.stdout.write(`${formatTable(['  OPTION', 'DEFAULT', 'MEANING'], rows)}\n`);
        process.stdout.write('\n');
      }
    });
}
