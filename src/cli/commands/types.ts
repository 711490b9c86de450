/** `daq types --config LAB.toml [--out FILE]`: TypeScript declarations of a lab for its scripts. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createSystemClock, DaqError } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { labDeclarations } from '../../scripting/types/index.js';

interface TypesOptions {
  config: string;
  out?: string;
}

/** Registers the command on `program`. */
export function registerTypes(program: Command): void {
  program
    .command('types')
    .description("print the TypeScript declarations of a lab's devices and script globals (for editors and daq check)")
    .requiredOption('-c, --config <file>', 'lab config (TOML)')
    .option('-o, --out <file>', 'write the declarations to this file (lab.d.ts beside the scripts) instead of stdout')
    .addHelpText('after', '\nThe devices are created but not connected.\nExit status: 0 done, 2 bad config.\n')
    .action(async (options: TypesOptions) => {
      const lab = await Lab.load(options.config, DRIVERS, createSystemClock());
      const text = labDeclarations(lab);
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await writeFile(options.out, text).catch((error: unknown) => {
        throw new DaqError('invalid_argument', `cannot write ${options.out}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      process.stdout.write(`Wrote the declarations of lab "${lab.name}" (${lab.devices().length} devices) to ${options.out}\n`);
    });
}
