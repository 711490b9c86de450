/** `daq types --config LAB.toml [--out FILE | --editor DIR]`: TypeScript declarations of a lab for its scripts. */
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createSystemClock, DaqError } from '../../core/index.js';
import { loadLabWithRemotes } from '../lab-with-remotes.js';
import { editorConfig, labDeclarations } from '../../scripting/types/index.js';

interface TypesOptions {
  config: string;
  out?: string;
  editor?: string;
}

/** Registers the command on `program`. */
export function registerTypes(program: Command): void {
  program
    .command('types')
    .description("print the TypeScript declarations of a lab's devices and script globals (for editors and daq check)")
    .requiredOption('-c, --config <file>', 'lab config (TOML)')
    .option('-o, --out <file>', 'write the declarations to this file (lab.d.ts beside the scripts) instead of stdout')
    .option('--editor <dir>', 'set up a folder of scripts for editors (VS Code): DIR/lab.d.ts, and DIR/tsconfig.json with the options of daq check unless one exists')
    .addHelpText('after', '\nThe devices are created but not connected.\nExit status: 0 done, 2 bad config.\n')
    .action(async (options: TypesOptions) => {
      if (options.out !== undefined && options.editor !== undefined) throw new DaqError('invalid_argument', 'give either --out FILE or --editor DIR, not both');
      const { lab, close } = await loadLabWithRemotes(options.config, createSystemClock());
      await close();
      const text = labDeclarations(lab);
      if (options.editor !== undefined) return setUpEditor(options.editor, text, lab.name);
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await write(options.out, text);
      process.stdout.write(`Wrote the declarations of lab "${lab.name}" (${lab.devices().length} devices) to ${options.out}\n`);
    });
}

/** Writes `dir`/lab.d.ts, and `dir`/tsconfig.json unless there is one (it is the user's then). */
async function setUpEditor(dir: string, declarations: string, labName: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw new DaqError('invalid_argument', `cannot create ${dir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  await write(join(dir, 'lab.d.ts'), declarations);
  process.stdout.write(`Wrote the declarations of lab "${labName}" to ${join(dir, 'lab.d.ts')}\n`);
  const config = join(dir, 'tsconfig.json');
  const exists = await access(config).then(
    () => true,
    () => false,
  );
  if (exists) {
    process.stdout.write(`Kept ${config} (yours); \`daq types --help\` and docs/scripting.md say what it needs\n`);
    return;
  }
  await write(config, editorConfig());
  process.stdout.write(`Wrote ${config}: open the folder in VS Code for completion and the errors daq check reports\n`);
}

async function write(file: string, text: string): Promise<void> {
  await writeFile(file, text).catch((error: unknown) => {
    throw new DaqError('invalid_argument', `cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
}
