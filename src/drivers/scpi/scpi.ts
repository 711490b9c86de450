/**
 * `scpi`: a generic SCPI instrument defined by the lab config (see `options.ts`). It connects,
 * checks `*IDN?`, and gets exactly the capabilities whose tables the config has: their methods
 * are added to the device when it is made, so `daq devices`, the script types and the
 * conformance suites see a Readable, a VoltageSource or a WavelengthTunable as configured.
 * Every setting is followed by the error query when one is configured, so a refusal by the
 * instrument comes back with its own message.
 */
import type { DataKey, Limits, Reading } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { requireInRange } from '../../devices/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { LinkedDevice } from '../common/linked-device.js';
import { parseNumber } from '../common/options.js';
import type { ScpiOptions, ScpiSetting } from './options.js';

/** A SCPI instrument; its capability methods are added by {@link createScpiDevice}. */
export class ScpiDevice extends LinkedDevice {
  readonly driver = 'scpi';
  readonly options: ScpiOptions;

  constructor(name: string, options: ScpiOptions, clock: Clock) {
    super(name, clock, parseEndpoint(options.port, { baudRate: options.baud }), {
      protocol: 'scpi',
      framing: { writeTerminator: options.terminator, timeoutS: options.timeout },
    });
    this.options = options;
  }

  protected async initialize(signal: AbortSignal): Promise<void> {
    const identity = await this.link.query('*IDN?', { signal, retries: 1 });
    const wanted = this.options.identity;
    if (wanted !== undefined && !identity.includes(wanted)) {
      throw new DaqError('failed_precondition', `the instrument on ${this.link.description} is not "${wanted}": "*IDN?" replied ${JSON.stringify(identity)}`);
    }
    if (this.options.error_query !== undefined) await this.drainErrors();
  }

  /** Reads the number a query returns, parsed by `pattern` (default: the first number). */
  async readNumber(what: string, query: string, pattern: string | undefined): Promise<number> {
    return this.query(what, async () => parseReply(await this.link.query(query, { retries: 1 }), query, pattern));
  }

  /** Sets `setting` to `value` after checking its range, then checks the instrument's error queue. */
  writeSetting(what: string, quantity: string, units: string, setting: ScpiSetting, value: number): Promise<void> {
    return this.command(
      what,
      () => requireInRange(this.name, quantity, value, setting, units),
      async () => {
        const command = setting.set.replaceAll('{value}', String(value));
        await this.link.send(command);
        await this.checkError(command);
      },
    );
  }

  /** A reading of `read` now. */
  async measure(): Promise<Reading> {
    const table = this.options.read;
    if (table === undefined) throw new DaqError('unimplemented', `${this.name}: no read table in the config`);
    const value = (await this.readNumber('read', table.query, table.parse)) * table.scale;
    return { value, timestampS: this.clock.now(), units: table.units };
  }

  private async checkError(after: string): Promise<void> {
    const query = this.options.error_query;
    if (query === undefined) return;
    const reply = await this.link.query(query);
    const code = parseNumber(reply, query);
    if (code !== 0) {
      await this.drainErrors();
      const kind = code === -222 ? 'out_of_range' : 'failed_precondition';
      throw new DaqError(kind, `${this.name}: the instrument refused "${after}": ${reply.trim()}`, { device: this.name });
    }
  }

  /** Empties the error queue (at most 20 entries). */
  private async drainErrors(): Promise<void> {
    const query = this.options.error_query;
    if (query === undefined) return;
    for (let i = 0; i < 20; i++) {
      if (parseNumber(await this.link.query(query), query) === 0) return;
    }
  }
}

/** Makes a `scpi` device with the capabilities its config asks for. */
export function createScpiDevice(name: string, options: ScpiOptions, clock: Clock): ScpiDevice {
  const device = new ScpiDevice(name, options, clock);
  const { read, voltage, wavelength } = options;
  if (read !== undefined) {
    Object.assign(device, {
      read: (): Promise<Reading> => device.measure(),
      describe: (): DataKey => ({ dtype: 'float64', shape: [], units: read.units }),
    });
  }
  if (voltage !== undefined) {
    const range: Limits = { min: voltage.min, max: voltage.max };
    const safe = Math.min(Math.max(0, range.min), range.max);
    Object.assign(device, {
      setVoltage: (volts: number) => device.writeSetting('set voltage', 'voltage', 'V', voltage, volts),
      voltage: () => device.readNumber('read voltage', voltage.query, voltage.parse),
      voltageRange: (): Limits => ({ ...range }),
      stop: async (): Promise<void> => {
        if (device.state !== 'idle' && device.state !== 'busy') return;
        await device.writeSetting('stop (output to safe value)', 'voltage', 'V', voltage, safe);
      },
    });
  }
  if (wavelength !== undefined) {
    const range: Limits = { min: wavelength.min, max: wavelength.max };
    Object.assign(device, {
      setWavelength: (nm: number) => device.writeSetting('set wavelength', 'wavelength', 'nm', wavelength, nm),
      wavelength: () => device.readNumber('read wavelength', wavelength.query, wavelength.parse),
      wavelengthRange: (): Limits => ({ ...range }),
    });
  }
  return device;
}

/** The number in `reply`: the first group of `pattern`, or the first number. */
export function parseReply(reply: string, query: string, pattern: string | undefined): number {
  if (pattern === undefined) {
    const match = /[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(reply);
    if (match === null) throw new DaqError('internal', `unexpected reply ${JSON.stringify(reply)} to "${query}" (expected a number)`);
    return Number(match[0]);
  }
  const match = new RegExp(pattern).exec(reply);
  const value = Number(match?.[1]);
  if (match === null || !Number.isFinite(value)) {
    throw new DaqError('internal', `reply ${JSON.stringify(reply)} to "${query}" does not match ${JSON.stringify(pattern)}`);
  }
  return value;
}
