/**
 * `newport-1830c`: the Newport 1830-C optical power meter over RS-232. On connect its status
 * byte is cleared (`C`) and it is set to watts (`U1`), the configured filter (`F1-3`) and, when
 * configured, the attenuator (`A0`/`A1`); after every setting the status byte (`Q?`) must show no
 * parameter or command error. Readings are `D?` in W, each followed by `Q?`: a saturated or
 * over-range detector fails the read with the manual's words for it. The calibration wavelength
 * is whole nanometres (`Wnnnn`), confirmed with `W?`. The meter has no identity query: a
 * numeric reply to `W?` is taken as proof it is there. Protocol sources: docs/drivers.md.
 */
import type { DataKey, Limits, Readable, Reading, WavelengthTunable } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { requireInRange } from '../../devices/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { LinkedDevice } from '../common/linked-device.js';
import type { Newport1830cOptions } from './options.js';

const FILTERS = { slow: 1, medium: 2, fast: 3 } as const;

/**
 * The status byte bits that mean trouble, with the manual's words for each (1830-C user's
 * manual, "Q? Status Byte Register query"). Written here from the manual, not shared with the
 * simulator, so that the simulator can catch a wrong number.
 */
const STATUS_ERRORS: readonly { bit: number; words: string }[] = [
  { bit: 1, words: 'Parameter error' },
  { bit: 2, words: 'Command error' },
  { bit: 4, words: 'Input signal has saturated the photodetector' },
  { bit: 8, words: 'Input signal exceeds the max level for signal range' },
];
/** Bits of a refused setting: parameter error, command error. */
const REFUSED = 1 | 2;
/** Bits of a reading that is not valid: saturation, over-range. */
const INVALID_READING = 4 | 8;

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
      const timestampS = this.clock.now();
      await this.checkStatus('D?', INVALID_READING, 'out_of_range', `the reading ${value} W is not valid`);
      return { value, timestampS, units: 'W' };
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
    // Whatever the status byte held before we connected is not ours to report.
    await this.link.send('C');
    await this.set('U1');
    if (this.options.attenuator !== undefined) await this.set(this.options.attenuator ? 'A1' : 'A0');
    await this.set(`F${FILTERS[this.options.filter]}`);
  }

  /** Sends a setting and checks the status byte: a parameter or command error refuses it. */
  private async set(command: string): Promise<void> {
    await this.link.send(command);
    await this.checkStatus(command, REFUSED, 'failed_precondition', `the meter refused "${command}"`);
  }

  /** Sends `Wnnnn`, checks the status byte, and reads it back with `W?`. */
  private async setting(letter: string, value: number, digits = 1): Promise<void> {
    const command = `${letter}${String(value).padStart(digits, '0')}`;
    await this.set(command);
    const back = await this.queryNumber(`${letter}?`);
    if (back !== value) {
      throw new DaqError('failed_precondition', `${this.name}: the meter did not take "${command}": "${letter}?" reads ${back}`, { device: this.name });
    }
  }

  /**
   * Reads the status byte (`Q?`) after `after`; when any of `bits` is set, clears it (`C`) and
   * throws `code` with `what` and the manual's words for the bits.
   */
  private async checkStatus(after: string, bits: number, code: 'failed_precondition' | 'out_of_range', what: string): Promise<void> {
    const status = await this.queryNumber('Q?');
    const set = STATUS_ERRORS.filter((s) => (status & bits & s.bit) !== 0);
    if (set.length === 0) return;
    await this.link.send('C');
    const words = set.map((s) => s.words).join('; ');
    throw new DaqError(code, `${what}: status byte ${status} after "${after}": ${words}`, { device: this.name });
  }
}
