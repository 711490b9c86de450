/**
 * `thorlabs-ell14`: a Thorlabs ELL14 rotation mount, in degrees. Several mounts share one
 * RS-485 bus (one serial port), each at its hex address; the bus is a shared link, and every
 * reply is picked by its address and code, so what another mount says is never taken for an
 * answer. The pulses per degree come from the mount's own `in` reply. Moves are `ma` (absolute,
 * pulses); completion is polled with `gs` (09 busy); the `PO` the mount sends when a move ends
 * is not waited for.
 */
import { type Clock, DaqError } from '../../core/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { PolledAxis } from '../common/polled-axis.js';
import type { Ell14Options } from './options.js';
import { hex, signed } from './hex.js';

/** Status codes of `gs` replies, from the ELLx protocol. */
const STATUS: Record<number, string> = {
  0: 'ok',
  1: 'communication time out',
  2: 'mechanical time out',
  3: 'command error or not supported',
  4: 'value out of range',
  5: 'module isolated',
  6: 'module out of isolation',
  7: 'initializing error',
  8: 'thermal error',
  9: 'busy',
  10: 'sensor error',
  11: 'motor error',
  12: 'out of range',
  13: 'over current error',
};

/** One ELL14 mount. Implements Movable (and so Stoppable), in degrees. */
export class Ell14Mount extends PolledAxis {
  readonly driver = 'thorlabs-ell14';
  private readonly options: Ell14Options;
  private readonly address: string;
  private pulsesPerDeg = 0;

  constructor(name: string, options: Ell14Options, clock: Clock) {
    super(
      name,
      clock,
      parseEndpoint(options.port, { baudRate: options.baud }),
      { protocol: 'thorlabs-ell14', framing: { writeTerminator: '', timeoutS: options.timeout } },
      { units: 'deg', limits: { min: options.min, max: options.max }, pollS: options.poll_interval },
    );
    this.options = options;
    this.address = options.address.toUpperCase();
  }

  protected async setUp(signal: AbortSignal): Promise<void> {
    const reply = await this.ask('in', 'IN', signal);
    const match = /^IN([0-9A-F]{2})([0-9A-F]{8})(\d{4})([0-9A-F]{2})([0-9A-F]{2})([0-9A-F]{4})([0-9A-F]{8})$/i.exec(reply.slice(1));
    if (match === null) {
      throw new DaqError('failed_precondition', `the device at address ${this.address} on ${this.link.description} did not identify as an ELLx mount: "in" replied ${JSON.stringify(reply)}`);
    }
    const type = Number.parseInt(match[1] ?? '', 16);
    if (type !== 14) throw new DaqError('failed_precondition', `the device at address ${this.address} is an ELL${type}, not an ELL14`);
    const pulsesPerRev = Number.parseInt(match[7] ?? '', 16);
    if (!(pulsesPerRev > 0)) throw new DaqError('failed_precondition', `the ELL14 at address ${this.address} reports ${pulsesPerRev} pulses per revolution`);
    this.pulsesPerDeg = pulsesPerRev / 360;
    await this.checkStatus();
    if (this.options.home_on_connect) {
      await this.link.send(`${this.address}ho0`);
      await this.pollUntilDone();
    }
  }

  protected async startMove(targetDeg: number): Promise<void> {
    await this.link.send(`${this.address}ma${hex(Math.round(targetDeg * this.pulsesPerDeg))}`);
  }

  protected async startStop(): Promise<void> {
    await this.link.send(`${this.address}st`);
  }

  protected async readPosition(): Promise<number> {
    const reply = await this.ask('gp', 'PO');
    const digits = reply.slice(3);
    if (!/^[0-9A-F]{8}$/i.test(digits)) throw new DaqError('internal', `${this.name}: unexpected reply ${JSON.stringify(reply)} to "gp"`);
    return signed(digits) / this.pulsesPerDeg;
  }

  protected async readMoving(): Promise<boolean> {
    const status = await this.status();
    if (status === 9) return true;
    if (status === 0) return false;
    throw new DaqError('internal', `${this.name}: the mount reports error ${status} (${STATUS[status] ?? 'unknown'})`, { device: this.name });
  }

  private async checkStatus(): Promise<void> {
    const status = await this.status();
    if (status !== 0 && status !== 9) throw new DaqError('failed_precondition', `the ELL14 at address ${this.address} reports error ${status} (${STATUS[status] ?? 'unknown'})`);
  }

  private async status(): Promise<number> {
    const reply = await this.ask('gs', 'GS');
    const status = Number.parseInt(reply.slice(3, 5), 16);
    if (!Number.isInteger(status)) throw new DaqError('internal', `${this.name}: unexpected reply ${JSON.stringify(reply)} to "gs"`);
    return status;
  }

  /** Sends `<address><command>` and takes the reply from this address with code `code`. */
  private ask(command: string, code: string, signal?: AbortSignal): Promise<string> {
    const prefix = `${this.address}${code}`;
    return this.link.query(`${this.address}${command}`, {
      retries: 1,
      accept: (line) => line.toUpperCase().startsWith(prefix),
      ...(signal === undefined ? {} : { signal }),
    });
  }
}
