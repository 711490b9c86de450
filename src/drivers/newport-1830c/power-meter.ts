/**
 * `newport-1830c`: the Newport 1830-C optical power meter over RS-232. On connect it is set to
 * watts (`U1`), auto range (`A1`) and the configured filter, each read back; readings are `D?`
 * in W. The calibration wavelength is whole nanometres (`Wnnnn`), confirmed with `W?`. The
 * meter has no identity query: a numeric reply to `W?` is taken as proof it is there.
 */
import type { DataKey, Limits, Readable, Reading, WavelengthTunable } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { requireInRange } from '../../devices/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { LinkedDevice } from '../common/linked-device.js';
import type { Newport1830cOptions } from './options.js';

const FILTERS = { slow: 1, medium: 2, fast: 3 } as const;

/** A 1830-C power meter. */
export class Newport1830c extends LinkedDevice implements Readable, WavelengthTunable {
  readonly driver = 'newport-1830c';
  private readonly options: Newport1830cOptions;
  private readonly range: Limits;

  constructor(name: string, options: Newport1830cOptions, clock: Clock) {
    super(name, clock, parseEndpoint(options.port, { baudRate: options.baud }), {
      protocol: 'newport-1830c',
      framing: { writeTerminator: '\n', timeoutS: options.timeout },
    });
    this.options = options;
    this.range = { min: options.wavelength_min, max: options.wavelength_max };
  }

  /** Optical power, W. */
  read(): Promise<Reading> {
    return this.query('read power', async () => {
      const value = await this.queryNumber('D?');
      return { value, timestampS: this.clock.now(), units: 'W' };
    });
  }

  describe(): DataKey {
    return { dtype: 'float64', shape: [], units: 'W' };
  }

  /** Sets the calibration wavelength (rounded to whole nm, as the meter takes it). */
  setWavelength(wavelengthNm: number): Promise<void> {
    return this.command(
      'set wavelength',
      () => requireInRange(this.name, 'wavelength', wavelengthNm, this.range, 'nm'),
      () => this.setting('W', Math.round(wavelengthNm), 4),
    );
  }

  wavelength(): Promise<number> {
    return this.query('read wavelength', () => this.queryNumber('W?'));
  }

  wavelengthRange(): Limits {
    return { ...this.range };
  }

  protected async initialize(signal: AbortSignal): Promise<void> {
    const reply = await this.link.query('W?', { signal, retries: 1 });
    if (!/^\s*\d+\s*$/.test(reply)) {
      throw new DaqError('failed_precondition', `the instrument on ${this.link.description} is not an 1830-C: "W?" replied ${JSON.stringify(reply)}`);
    }
    await this.setting('U', 1);
    await this.setting('A', this.options.auto_range ? 1 : 0);
    await this.setting('F', FILTERS[this.options.filter]);
  }

  /** Sends `<letter><value>` and reads it back with `<letter>?`; throws when the meter did not take it. */
  private async setting(letter: string, value: number, digits = 1): Promise<void> {
    const command = `${letter}${String(value).padStart(digits, '0')}`;
    await this.link.send(command);
    const back = await this.queryNumber(`${letter}?`);
    if (back !== value) {
      throw new DaqError('failed_precondition', `${this.name}: the meter did not take "${command}": "${letter}?" reads ${back}`, { device: this.name });
    }
  }
}
