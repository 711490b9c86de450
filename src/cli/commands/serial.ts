/**
 * `daq ports [--json]`: the serial ports of this computer (a plain /dev listing where udev is
 * missing). `daq sim-serial [--dir DIR]`: serves the wire simulators of the serial lab on PTYs
 * (see `examples/lab-serial.toml`) until interrupted.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { startSerialLab } from '../../drivers/serial-lab.js';
import { listSerialPorts } from '../../transports/index.js';
import { exitHelp, formatTable, printJson } from '../output.js';

/** Registers `daq ports` and `daq sim-serial` on `program`. */
export function registerSerial(program: Command): void {
  program
    .command('ports')
    .description('list the serial ports of this computer (for the `port` of a driver in a lab config)')
    .option('--json', 'print one JSON object instead of a table')
    .addHelpText('after', exitHelp({ 0: 'listed (also when there are none)', 1: 'the ports cannot be listed' }))
    .action(async (options: { json?: boolean }) => {
      const ports = await listSerialPorts();
      if (options.json) return printJson({ ports });
      if (ports.length === 0) {
        process.stdout.write('No serial ports found.\n');
        return;
      }
      const rows = ports.map((p) => [p.path, p.manufacturer ?? '', p.serialNumber ?? '', p.vendorId === undefined ? '' : `${p.vendorId}:${p.productId ?? ''}`]);
      process.stdout.write(`${formatTable(['PORT', 'MANUFACTURER', 'SERIAL', 'USB ID'], rows)}\n`);
      if (ports.every((p) => p.source === 'dev')) process.stdout.write('(udev is not available here: names from /dev only, without USB details)\n');
    });

  program
    .command('sim-serial')
    .description('serve simulated serial instruments (ESP300, MaiTai, 1830-C, ELL14 bus, SCPI) on PTYs, for examples/lab-serial.toml')
    .option('--dir <folder>', 'folder for the PTYs (the lab config names them)', '/tmp/daq-sim')
    .addHelpText('after', exitHelp({ 0: 'stopped by Ctrl-C or SIGTERM', 1: 'a simulator could not start (socat missing, the folder not writable)' }))
    .action(async (options: { dir: string }) => {
      const dir = resolve(options.dir);
      await mkdir(dir, { recursive: true });
      const lab = await startSerialLab(dir);
      for (const [name, server] of lab.servers) process.stdout.write(`${name}\t${server.path}\n`);
      process.stdout.write(`simulators ready in ${dir} (Ctrl-C to stop)\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await lab.close();
    });
}
