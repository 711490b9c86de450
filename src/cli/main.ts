#!/usr/bin/env node
/** The `daq` command. Each subcommand lives in `commands/`; this file only wires them. */
import { Command, CommanderError } from 'commander';
import { registerDevices } from './commands/devices.js';
import { registerDrivers } from './commands/drivers.js';
import { registerCheck } from './commands/check.js';
import { registerControl } from './commands/control.js';
import { registerDaemon } from './commands/daemon.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerStatus } from './commands/status.js';
import { registerTail } from './commands/tail.js';
import { registerTypes } from './commands/types.js';
import { registerExport } from './commands/export.js';
import { registerFollow } from './commands/follow.js';
import { registerQueue } from './commands/queue.js';
import { registerSerial } from './commands/serial.js';
import { EXIT, exitCodeFor, exitHelp, printError } from './output.js';
import { packageVersion } from './version.js';

const program = new Command('daq')
  .description('ts-daq: run laboratory instruments and experiments')
  .version(packageVersion(), '-V, --version', 'print the version of ts-daq')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', exitHelp({ 0: 'success', 1: 'something failed (a device, a run, the daemon)', 2: 'bad input (arguments, a lab config, a file, an unknown run)', 3: 'a run was aborted (daq run, daq follow)' }, '\nEach command\'s --help lists its exit statuses.'))
  .exitOverride();

registerDevices(program);
registerDrivers(program);
registerRun(program);
registerTypes(program);
registerCheck(program);
registerDaemon(program);
registerStatus(program);
registerRuns(program);
registerFollow(program);
registerControl(program);
registerQueue(program);
registerTail(program);
registerExport(program);
registerSerial(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    printError(error);
    process.exitCode = exitCodeFor(error);
  }
}
