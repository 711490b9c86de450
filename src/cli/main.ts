#!/usr/bin/env node
/**
 * The `daq` command. Each subcommand lives in `commands/` and is imported only when it runs
 * (`registry.ts`), so `daq --version`, `daq --help` and the light commands start fast.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeFor, exitHelp, printError } from './output.js';
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
  .addHelpText('after', exitHelp({ 0: 'success', 1: 'something failed (a device, a run, the daemon)', 2: 'bad input (arguments, a lab config, a file, an unknown run)', 3: 'a run was aborted (daq run, daq follow)' }, '\nEach command\'s --help lists its exit statuses.'))
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
