/** `daq check SCRIPT --config LAB.toml [--json]`: type-checks an experiment script against a lab. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createSystemClock, DaqError } from '../../core/index.js';
import { loadLabWithRemotes } from '../lab-with-remotes.js';
import { checkKey, checkScript, labDeclarations, type ScriptDiagnostic } from '../../scripting/types/index.js';
import { passedOnDisk } from '../passed-checks.js';
import { EXIT, printJson } from '../output.js';

interface CheckOptions {
  config: string;
  json?: boolean;
}

/** Registers the command on `program`. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("type-check an experiment script (.js or .ts) against the devices of a lab and the script globals")
    .argument('<script>', 'the experiment script')
    .requiredOption('-c, --config <file>', 'lab config (TOML)')
    .option('--json', 'print one JSON object: { ok, diagnostics: [{ file, line, column, message, code }] }')
    .addHelpText('after', '\nThe devices are created but not connected.\nExit status: 0 no problems, 2 type errors (or a bad config, a missing script).\n')
    .action(async (script: string, options: CheckOptions) => {
      const source = await readScript(script);
      const { lab, close } = await loadLabWithRemotes(options.config, createSystemClock());
      await close();
      const declarations = labDeclarations(lab);
      const diagnostics = checkScript(source, script, declarations);
      if (diagnostics.length > 0) process.exitCode = EXIT.usage;
      // daq run of this script against this lab need not check it again
      else passedOnDisk().add(checkKey(declarations, script, source));
      if (options.json) {
        printJson({ ok: diagnostics.length === 0, diagnostics });
      } else if (diagnostics.length === 0) {
        process.stdout.write(`${script}: no problems (checked against ${options.config})\n`);
      } else {
        process.stderr.write(diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
        const count = diagnostics.length === 1 ? '1 problem' : `${diagnostics.length} problems`;
        process.stderr.write(`daq: ${count} in ${script} (checked against ${options.config})\n`);
      }
    });
}

/** `file:line:column: message` (later lines of a message come indented). */
export function formatDiagnostic(diagnostic: ScriptDiagnostic): string {
  return `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`;
}

async function readScript(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new DaqError('not_found', `cannot read script ${file}: ${why}`, { cause: error });
  }
}
