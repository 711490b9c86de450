/** `daq devices --config LAB.toml [--json]`: connects the lab and lists its devices. */
import type { Command } from 'commander';
import { createSystemClock, formatErrorTree } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { EXIT, formatTable, printJson } from '../output.js';

interface DevicesOptions {
  config: string;
  json?: boolean;
  timeout?: number;
}

/** Registers the command on `program`. */
export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('connect the devices of a lab config and list them with driver, state and capabilities')
    .requiredOption('-c, --config <file>', 'lab config (TOML)')
    .option('--timeout <seconds>', 'seconds each device may take to connect (default: the config\'s connect_timeout)', Number)
    .option('--json', 'print one JSON object instead of a table')
    .addHelpText('after', '\nExit status: 0 all devices connected, 1 some failed (still listed), 2 bad config.\n')
    .action(async (options: DevicesOptions) => {
      const lab = await Lab.load(options.config, DRIVERS, createSystemClock());
      const report = await lab.connect(options.timeout === undefined ? {} : { timeoutS: options.timeout });
      const devices = lab.summary();
      await lab.disconnect();
      if (options.json) {
        printJson({ lab: { name: lab.name, config: options.config }, devices });
      } else {
        process.stdout.write(`Lab "${lab.name}" (${options.config}): ${devices.length} devices, ${report.connected.length} connected\n\n`);
        const rows = devices.map((d) => [d.name, d.driver, d.state, d.capabilities.join(', ')]);
        process.stdout.write(`${formatTable(['NAME', 'DRIVER', 'STATE', 'CAPABILITIES'], rows)}\n`);
      }
      if (report.failures !== undefined) {
        process.stderr.write(`daq: ${formatErrorTree(report.failures)}\n`);
        process.exitCode = EXIT.failure;
      }
    });
}
