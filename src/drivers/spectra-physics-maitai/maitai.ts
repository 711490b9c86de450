/**
 * `spectra-physics-maitai`: the MaiTai Ti:Sapphire laser over RS-232. The laser does not answer
 * set commands, so every change is confirmed by reading it back: the wavelength until it reads
 * the target (tuning takes time), the shutter with `shut?`, emission with bit 0 of `*stb?`.
 * Its safe state (`stop()`) is the shutter closed; emission is left as it is.
 */
import type { DataKey, EmissionControl, Limits, Readable, Reading, ShutterControl, Stoppable, WavelengthTunable } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { requireInRange } from '../../devices/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { LinkedDevice } from '../common/linked-device.js';
import type { MaiTaiOptions } from './options.js';

/** A MaiTai laser. */
export class MaiTai extends LinkedDevice implements WavelengthTunable, ShutterControl, EmissionControl, Readable, Stoppable {
  readonly driver = 'spectra-physics-maitai';
  private readonly options: MaiTaiOptions;
  private readonly range: Limits;

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
        await this.link.send(`wav ${Math.round(wavelengthNm)}`);
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
      const warm = await this.queryNumber('read:pctwarmedup?');
      if (warm < 100) throw new DaqError('failed_precondition', `the laser is warming up (${warm}% done); emission can be enabled at 100%`);
      await this.link.send('on');
      await this.confirm('emission on', async () => await this.readEmission(), this.options.tune_timeout);
    });
  }

  disableEmission(): Promise<void> {
    return this.operation('disable emission', async () => {
      await this.link.send('off');
      await this.confirm('emission off', async () => !(await this.readEmission()), this.options.tune_timeout);
    });
  }

  isEmissionEnabled(): Promise<boolean> {
    return this.query('read emission', () => this.readEmission());
  }

  /** Output power from the laser's own power monitor, W. */
  read(): Promise<Reading> {
    return this.query('read power', async () => {
      const value = await this.queryNumber('read:pow?');
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
    const identity = await this.link.query('*idn?', { signal, retries: 1 });
    if (!/maitai/i.test(identity)) {
      throw new DaqError('failed_precondition', `the instrument on ${this.link.description} is not a MaiTai: "*idn?" replied ${JSON.stringify(identity)}`);
    }
  }

  protected override async beforeClose(): Promise<void> {
    if (this.options.close_shutter_on_disconnect) await this.setShutter(false);
  }

  private async readWavelength(): Promise<number> {
    return await this.queryNumber('read:wav?');
  }

  private async readShutter(): Promise<boolean> {
    return (await this.link.query('shut?', { retries: 1 })).trim() === '1';
  }

  private async readEmission(): Promise<boolean> {
    const status = await this.queryNumber('*stb?');
    return (status & 1) === 1;
  }

  private async setShutter(open: boolean): Promise<void> {
    await this.link.send(`shut ${open ? 1 : 0}`);
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
