/**
 * Wire simulator of the Newport 1830-C optical power meter (RS-232, commands and replies end
 * with LF; set commands get no reply). What it speaks:
 *
 * - `D?` the reading in the present units (`1.2340E-3`); `W?` the calibration wavelength in nm
 *   (`0800`), `Wnnnn` sets it (400-1100; others are ignored); `U?`/`Un` units (1 W, 2 dB,
 *   3 dBm, 4 REL); `A?`/`A0`/`A1` auto range off/on; `F?`/`F1`..`F3` filter slow/medium/fast.
 * - The reading is the incident power (a function the lab simulation provides) with a little
 *   noise; in dBm it is 10 log10(P / 1 mW).
 */
import { LineSimulator, type Reply } from '../../transports/sim/index.js';
import { Random } from '../sim/index.js';

/** Options of {@link Newport1830cSimulator}. */
export interface Newport1830cSimulatorOptions {
  /** Power reaching the detector, W (default: 1 mW). */
  incidentW?: () => number;
  /** Relative noise of readings (default 1e-3). */
  noise?: number;
}

/** A simulated 1830-C. */
export class Newport1830cSimulator extends LineSimulator {
  readonly instrument = '1830-C';
  override replyTerminator = '\n';
  wavelengthNm = 633;
  units = 1;
  autoRange = 1;
  filter = 3;
  private readonly incidentW: () => number;
  private readonly noise: number;
  private readonly random = new Random(1830);

  constructor(options: Newport1830cSimulatorOptions = {}) {
    super();
    this.incidentW = options.incidentW ?? (() => 1e-3);
    this.noise = options.noise ?? 1e-3;
  }

  handle(command: string, reply: Reply): void {
    const text = command.trim().toUpperCase();
    const letter = text.charAt(0);
    const rest = text.slice(1);
    if (rest === '?') {
      switch (letter) {
        case 'D':
          return reply(this.reading().toExponential(4).toUpperCase());
        case 'W':
          return reply(String(this.wavelengthNm).padStart(4, '0'));
        case 'U':
          return reply(String(this.units));
        case 'A':
          return reply(String(this.autoRange));
        case 'F':
          return reply(String(this.filter));
        default:
          return;
      }
    }
    const value = Number(rest);
    if (rest === '' || !Number.isInteger(value)) return;
    if (letter === 'W' && value >= 400 && value <= 1100) this.wavelengthNm = value;
    if (letter === 'U' && value >= 1 && value <= 4) this.units = value;
    if (letter === 'A' && (value === 0 || value === 1)) this.autoRange = value;
    if (letter === 'F' && value >= 1 && value <= 3) this.filter = value;
  }

  private reading(): number {
    const watts = Math.max(1e-12, this.incidentW() * (1 + this.noise * this.random.gaussian()));
    if (this.units === 2 || this.units === 3) return 10 * Math.log10(watts / 1e-3);
    return watts;
  }
}
