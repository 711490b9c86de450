/**
 * Benchmarks of the instrument transports over real PTYs (socat), with the wire simulators at
 * the other end in this process:
 * - raw round trip of one short line through the line channel (PTY there and back), p50/p99,
 *   and the same over TCP loopback for comparison;
 * - ESP300 position query (`1TP?`) through the driver, p50/p99;
 * - 1830-C power reading (`D?`) through the driver, p50/p99;
 * - a small ESP300 move (0.01 mm) from command to settled (polled `MD?`), p50/p99.
 * Needs socat; skipped (with a line saying so) when it is missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMovable, isReadable } from '../src/capabilities/index.js';
import { createSystemClock } from '../src/core/index.js';
import { esp300Driver } from '../src/drivers/newport-esp300/index.js';
import { newport1830cDriver } from '../src/drivers/newport-1830c/index.js';
import { startSerialLab } from '../src/drivers/serial-lab.js';
import { createLineChannel, openSerialPort, openTcpPort } from '../src/transports/index.js';
import { serveTcp } from '../src/transports/sim/index.js';
import { percentiles } from './report.js';

type Report = (name: string, value: number, unit: string, extra?: string) => void;


/** Runs the serial benchmarks and reports each figure. */
export async function benchSerial(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'daq-bench-serial-'));
  let lab;
  try {
    lab = await startSerialLab(dir);
  } catch (error) {
    process.stdout.write(`serial benchmarks: skipped (${(error as Error).message})\n`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  try {
    const port = await openSerialPort(join(dir, 'scpi'), { baudRate: 115200 });
    const channel = createLineChannel(port, { writeTerminator: '\n', timeoutS: 1 });
    const raw = await percentiles(2000, 200, () => channel.query('*IDN?'));
    await port.close();
    report('PTY round trip, one line (*IDN? to the SCPI sim), p50', raw.p50, 'us', '2000 queries');
    report('PTY round trip, one line, p99', raw.p99, 'us');
    const tcp = await serveTcp(lab.scpi);
    const socket = await openTcpPort('127.0.0.1', tcp.port);
    const tcpChannel = createLineChannel(socket, { writeTerminator: '\n', timeoutS: 1 });
    const overTcp = await percentiles(2000, 200, () => tcpChannel.query('*IDN?'));
    await socket.close();
    await tcp.close();
    report('TCP loopback round trip, one line (same simulator), p50', overTcp.p50, 'us', 'for comparison: no socat, no serialport');
    report('TCP loopback round trip, one line, p99', overTcp.p99, 'us');

    const clock = createSystemClock();
    const context = { clock, device: () => { throw new Error('no other devices'); } };
    const stage = esp300Driver.create('stage', esp300Driver.options.parse({ port: join(dir, 'esp300'), axis: 1, min: 0, max: 25, velocity: 200, acceleration: 4000, poll_interval: 0.001 }), context);
    const meter = newport1830cDriver.create('meter', newport1830cDriver.options.parse({ port: join(dir, 'pm1830c') }), context);
    if (!isMovable(stage) || !isReadable(meter)) throw new Error('unexpected capabilities');
    await stage.connect(new AbortController().signal);
    await meter.connect(new AbortController().signal);
    const position = await percentiles(2000, 200, () => stage.position());
    report('ESP300 position() through the driver, p50', position.p50, 'us', '2000 queries');
    report('ESP300 position() through the driver, p99', position.p99, 'us');
    const reading = await percentiles(2000, 200, () => meter.read());
    report('1830-C read() through the driver, p50', reading.p50, 'us', '2000 reads');
    report('1830-C read() through the driver, p99', reading.p99, 'us');
    let x = 5;
    const move = await percentiles(200, 20, () => stage.moveAbs((x += 0.01)));
    report('ESP300 0.01 mm move, command to settled, p50', move.p50 / 1000, 'ms', '200 moves, simulated 4000 mm/s^2, 1 ms polls');
    report('ESP300 0.01 mm move, command to settled, p99', move.p99 / 1000, 'ms');
    await stage.disconnect();
    await meter.disconnect();
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
