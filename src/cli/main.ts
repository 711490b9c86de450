#!/usr/bin/env node
/** The `daq` command. Each subcommand lives in `commands/`; this file only wires them. */
import { Command, CommanderError } from 'commander';
import { registerDevices } from './commands/devices.js';
import { registerDrivers } from './commands/drivers.js';
import { registerCheck } from './commands/check.js';
import { registerDaemon } from './commands/daemon.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerStatus } from './commands/status.js';
import { registerTail } from './commands/tail.js';
import { registerTypes } from './commands/types.js';
import { registerExport } from './commands/export.js';
import { registerSerial } from './commands/serial.js';
import { registerRings } from './commands/rings.js';
import { EXIT, exitCodeFor, printError } from './output.js';
import { packageVersion } from './version.js';

const program = new Command('daq')
  .description('ts-daq: run laboratory instruments and experiments')
  .version(packageVersion(), '-V, --version', 'print the version of ts-daq')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerDevices(program);
registerDrivers(program);
registerRun(program);
registerTypes(program);
registerCheck(program);
registerDaemon(program);
registerStatus(program);
registerRuns(program);
registerTail(program);
registerExport(program);
registerSerial(program);
registerRings(program);

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
