/**
 * `daq devices --config LAB.toml [--json]`: connects the lab and lists its devices with what
 * they read back now and their settings (see device-snapshot.ts); `--remote` asks a daemon.
 */
import type { Command } from 'commander';
import { createSystemClock, DaqError, formatErrorTree } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { HardwareService } from '../../api/gen/daq/v1/hardware_pb.js';
import { formatSnapshot, snapshotOfInfo, snapshotOfLab } from '../device-snapshot.js';
import { EXIT, printJson } from '../output.js';
import { connect, remoteAddress, type RemoteOptions } from '../remote.js';

interface DevicesOptions extends RemoteOptions {
  config?: string;
  json?: boolean;
  timeout?: number;
}

/** Registers the command on `program`. */
export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('connect the devices of a lab config and list them: driver, state, capabilities, and their values now (position, wavelength, temperature, ...) and settings')
    .option('-c, --config <file>', 'lab config (TOML): connect the devices in this process')
    .option('-r, --remote <host:port>', "list a daemon's devices instead (default: $DAQ_REMOTE)")
    .option('--token <token>', 'bearer token for a daemon with auth (default: $DAQ_TOKEN)')
    .option('--timeout <seconds>', 'seconds each device may take to connect (default: the config\'s connect_timeout)', Number)
    .option('--json', 'print one JSON object: {devices: [{name, driver, state, capabilities, fault?, values: [{name, value, units}], settings: [...], limits?, unreadable?}]}')
    .addHelpText('after', '\nExit status: 0 all devices connected, 1 some failed (still listed), 2 bad config.\n')
    .action(async (options: DevicesOptions) => {
      const remote = options.config === undefined ? remoteAddress(options) : undefined;
      if (remote !== undefined) return listRemote({ ...options, remote });
      if (options.config === undefined) throw new DaqError('invalid_argument', 'daq devices needs --config LAB.toml or --remote HOST:PORT');
      const lab = await Lab.load(options.config, DRIVERS, createSystemClock());
      const report = await lab.connect(options.timeout === undefined ? {} : { timeoutS: options.timeout });
      const devices = await snapshotOfLab(lab).finally(() => lab.disconnect());
      if (options.json) {
        printJson({ lab: { name: lab.name, config: options.config }, devices });
      } else {
        process.stdout.write(`Lab "${lab.name}" (${options.config}): ${devices.length} devices, ${report.connected.length} connected\n\n`);
        process.stdout.write(`${formatSnapshot(devices)}\n`);
      }
      if (report.failures !== undefined) {
        process.stderr.write(`daq: ${formatErrorTree(report.failures)}\n`);
        process.exitCode = EXIT.failure;
      }
    });
}

async function listRemote(options: DevicesOptions): Promise<void> {
  const client = connect(options);
  try {
    const devices = (await client.call(HardwareService.method.listDevices, { measure: true })).devices.map(snapshotOfInfo);
    if (options.json) return printJson({ daemon: client.address, devices });
    process.stdout.write(`${formatSnapshot(devices)}\n`);
    if (devices.some((d) => d.state === 'faulted')) process.exitCode = EXIT.failure;
  } finally {
    client.close();
  }
}
