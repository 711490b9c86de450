#!/usr/bin/env node
/**
 * The `daq` command. Each subcommand lives in `commands/` and is imported only when it runs
 * (`registry.ts`), so `daq --version`, `daq --help` and the light commands start fast.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeFor, printError } from './output.js';
import { commandNamed, registerCommands } from './registry.js';
import { packageVersion } from './version.js';

// `daq ... | head`: the reader went away; stop quietly as other Unix commands do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('daq')
  .description('ts-daq: run laboratory instruments and experiments')
  .version(packageVersion(), '-V, --version', 'print the version of ts-daq')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

try {
  await registerCommands(program, commandNamed(process.argv.slice(2)));
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    printError(error);
    process.exitCode = exitCodeFor(error);
  }
}
