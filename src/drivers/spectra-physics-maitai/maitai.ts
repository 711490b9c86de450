/**
 * `spectra-physics-maitai`: the MaiTai Ti:Sapphire laser over RS-232. The laser does not answer
 * set commands, so every change is confirmed by reading it back: the wavelength until it reads
 * the target (tuning takes time), the shutter with `SHUT?`, emission with bit 0 of `*STB?`.
 * After every set command the error queue (`SYST:ERR?`) is read: a refusal fails the command
 * with the laser's own words, and a system error (an open interlock) also faults the device
 * until it reconnects. Its safe state (`stop()`) is the shutter closed; emission is left as it is.
 * Protocol facts and their sources: docs/drivers.md.
 */
import type { DataKey, EmissionControl, Limits, Readable, Reading, ShutterControl, Stoppable, WavelengthTunable } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { requireInRange } from '../../devices/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { LinkedDevice } from '../common/linked-device.js';
import type { MaiTaiOptions } from './options.js';

/**
 * The error bits of the code `SYST:ERR?` answers with, and what the manual says of each (Mai Tai
 * user's manual, Table 6-1). Written here from the manual, not shared with the simulator, so
 * that the simulator can catch a wrong number.
 */
const ERROR_BITS: readonly { bit: number; name: string; meaning: string }[] = [
  { bit: 1, name: 'CMD_ERR', meaning: 'command error: the command was not understood' },
  { bit: 2, name: 'EXE_ERR', meaning: 'execution error: the command was properly formatted, but could not be executed' },
  { bit: 32, name: 'SYS_ERR', meaning: 'system error: an open interlock, or an internal diagnostic' },
];
const SYS_ERR = 32;
/** At most this many old entries are read out of the error queue on connect. */
const STALE_ERRORS_MAX = 16;

/** A MaiTai laser. */
export class MaiTai extends LinkedDevice implements WavelengthTunable, ShutterControl, EmissionControl, Readable, Stoppable {
  readonly driver = 'spectra-physics-maitai';
  private readonly options: MaiTaiOptions;
  private range: Limits;

  constructor(name: string, options: MaiTaiOptions, clock: Clock) {
    super(name, clock, parseEndpoint(options.port, { baudRate: options.baud, xonxoff: options.xonxoff }), {
      protocol: 'spectra-physics-maitai',
      framing: { writeTerminator: '\n', timeoutS: options.timeout },
    });
    this.options = options;
    this.range = { min: options.wavelength_min, max: options.wavelength_max };
  }

  setWavelength(wavelengthNm: number): Promise<void> {
    return this.command(
      'tune',
      () => requireInRange(this.name, 'wavelength', wavelengthNm, this.range, 'nm'),
      async () => {
        await this.act(`WAV ${Math.round(wavelengthNm)}`);
        await this.confirm(`wavelength ${wavelengthNm} nm`, async () => Math.abs((await this.readWavelength()) - wavelengthNm) <= 0.5, this.options.tune_timeout);
      },
    );
  }

  wavelength(): Promise<number> {
    return this.query('read wavelength', () => this.readWavelength());
  }

  wavelengthRange(): Limits {
    return { ...this.range };
  }

  openShutter(): Promise<void> {
    return this.operation('open shutter', () => this.setShutter(true));
  }

  closeShutter(): Promise<void> {
    return this.operation('close shutter', () => this.setShutter(false));
  }

  isShutterOpen(): Promise<boolean> {
    return this.query('read shutter', () => this.readShutter());
  }

  enableEmission(): Promise<void> {
    return this.operation('enable emission', async () => {
      const warm = await this.queryNumber('READ:PCTW?');
      if (warm < 100) throw new DaqError('failed_precondition', `the laser is warming up (${warm}% done); emission can be enabled at 100%`);
      await this.act('ON');
      await this.confirm('emission on', async () => await this.readEmission(), this.options.tune_timeout);
    });
  }

  disableEmission(): Promise<void> {
    return this.operation('disable emission', async () => {
      await this.act('OFF');
      await this.confirm('emission off', async () => !(await this.readEmission()), this.options.tune_timeout);
    });
  }

  isEmissionEnabled(): Promise<boolean> {
    return this.query('read emission', () => this.readEmission());
  }

  /** Output power from the laser's own power monitor, W. */
  read(): Promise<Reading> {
    return this.query('read power', async () => {
      const value = await this.queryNumber('READ:POW?');
      return { value, timestampS: this.clock.now(), units: 'W' };
    });
  }

  describe(): DataKey {
    return { dtype: 'float64', shape: [], units: 'W' };
  }

  /** Closes the shutter (the safe state). Does nothing when not connected. */
  async stop(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'busy') return;
    await this.operation('stop (close shutter)', () => this.setShutter(false));
  }

  protected async initialize(signal: AbortSignal): Promise<void> {
    const identity = await this.link.query('*IDN?', { signal, retries: 1 });
    if (!/maitai/i.test(identity)) {
      throw new DaqError('failed_precondition', `the instrument on ${this.link.description} is not a MaiTai: "*IDN?" replied ${JSON.stringify(identity)}`);
    }
    // Errors queued before we connected are not ours to report: read them out.
    for (let i = 0; i < STALE_ERRORS_MAX; i++) {
      if ((await this.readError(signal)).code === 0) break;
    }
    // The laser's own tuning range narrows the configured one.
    const min = await this.queryNumber('WAV:MIN?');
    const max = await this.queryNumber('WAV:MAX?');
    const range = { min: Math.max(min, this.options.wavelength_min), max: Math.min(max, this.options.wavelength_max) };
    if (!(range.min < range.max)) {
      throw new DaqError('invalid_argument', `the laser tunes over ${min}-${max} nm, outside the configured ${this.options.wavelength_min}-${this.options.wavelength_max} nm`);
    }
    this.range = range;
  }

  /** Sends a set command, then reads the error queue: the laser's refusal, in its own words. */
  private async act(command: string): Promise<void> {
    await this.link.send(command);
    const { code, text } = await this.readError();
    const bits = ERROR_BITS.filter((b) => (code & b.bit) !== 0);
    if (bits.length === 0) return;
    const what = bits.map((b) => `${b.name}, ${b.meaning}`).join('; ');
    const words = text === '' ? '' : ` "${text}"`;
    const message = `the laser refused "${command}": error ${code}${words} (${what})`;
    if ((code & SYS_ERR) !== 0) {
      this.faultUntilReconnected(new DaqError('unavailable', `${this.name}: ${message}`, { device: this.name }));
      throw new DaqError('unavailable', message, { device: this.name });
    }
    throw new DaqError((code & 2) !== 0 ? 'failed_precondition' : 'internal', message, { device: this.name });
  }

  /** Reads the oldest entry of the error queue: its code (0: none) and its text. */
  private async readError(signal?: AbortSignal): Promise<{ code: number; text: string }> {
    const reply = await this.link.query('SYST:ERR?', signal === undefined ? {} : { signal });
    const match = /^\s*(\d+)\s*[,;:]?\s*"?(.*?)"?\s*$/.exec(reply);
    if (match === null) throw new DaqError('internal', `${this.name}: unexpected reply ${JSON.stringify(reply)} to "SYST:ERR?" (expected an error code)`);
    return { code: Number(match[1]), text: match[2] ?? '' };
  }

  protected override async beforeClose(): Promise<void> {
    if (this.options.close_shutter_on_disconnect) await this.setShutter(false);
  }

  private async readWavelength(): Promise<number> {
    return await this.queryNumber('READ:WAV?');
  }

  private async readShutter(): Promise<boolean> {
    return (await this.link.query('SHUT?', { retries: 1 })).trim() === '1';
  }

  private async readEmission(): Promise<boolean> {
    const status = await this.queryNumber('*STB?');
    return (status & 1) === 1;
  }

  private async setShutter(open: boolean): Promise<void> {
    await this.act(`SHUT ${open ? 1 : 0}`);
    await this.confirm(`shutter ${open ? 'open' : 'closed'}`, async () => (await this.readShutter()) === open, this.options.timeout);
  }

  /** Polls `reached` until true; `deadline_exceeded` naming `what` after `timeoutS`. */
  private async confirm(what: string, reached: () => Promise<boolean>, timeoutS: number): Promise<void> {
    const deadline = this.clock.now() + timeoutS;
    while (!(await reached())) {
      if (this.clock.now() > deadline) {
        throw new DaqError('deadline_exceeded', `${this.name}: the laser did not reach ${what} within ${timeoutS} s`, { device: this.name });
      }
      await this.clock.sleep(this.options.poll_interval);
    }
  }
}
