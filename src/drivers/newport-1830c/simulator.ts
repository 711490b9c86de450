/**
 * Wire simulator of the Newport 1830-C optical power meter (RS-232, commands and replies end
 * with LF; set commands get no reply). It follows the 1830-C user's manual where it is public
 * (the status byte, `Q?`) and the drivers that ran on the meter elsewhere (the sources of each
 * fact are in docs/drivers.md). What it speaks:
 *
 * - `D?` the reading in the present units, written as the meter does (`+.2500E-2`); `W?` the
 *   calibration wavelength in nm (`0800`), `Wnnnn` sets it (`wavelengthRange`; others are a
 *   parameter error); `U?`/`Un` units (1 W; 2-4 read in dBm here: the sources disagree on their
 *   numbering); `A?`/`A0`/`A1` attenuator off/on; `F?`/`F1`..`F3` filter slow/medium/fast;
 *   `R?` the range (1-8); `E0`/`E1` echo off/on (accepted, never echoes).
 * - `Q?` the status byte: 1 parameter error, 2 command error, 4 saturation, 8 over-range,
 *   16 MAV, 32 busy, 64 service request, 128 read done (16, 32, 64 are never set here); `C`
 *   clears it. Over-range is set by a reading above `fullScaleW`, saturation above 10 times it.
 * - The reading is the incident power (a function the lab simulation provides) with a little
 *   noise; in dBm it is 10 log10(P / 1 mW).
 */
import type { Limits } from '../../capabilities/index.js';
import { LineSimulator, type Reply } from '../../transports/sim/index.js';
import { Random } from '../sim/index.js';

/** Options of {@link Newport1830cSimulator}. */
export interface Newport1830cSimulatorOptions {
  /** Power reaching the detector, W (default: 1 mW). */
  incidentW?: () => number;
  /** Relative noise of readings (default 1e-3). */
  noise?: number;
  /** Highest reading of the detector's top range, W (default 2; a property of the detector head). */
  fullScaleW?: number;
  /** Calibration wavelengths of the detector head, nm (default 400-1100). */
  wavelengthRange?: Limits;
}

/** Status byte bits of the 1830-C (manual, "Q?"). */
const STATUS = { parameterError: 1, commandError: 2, saturation: 4, overRange: 8, readDone: 128 } as const;

/** A simulated 1830-C. */
export class Newport1830cSimulator extends LineSimulator {
  readonly instrument = '1830-C';
  override replyTerminator = '\n';
  wavelengthNm = 633;
  units = 1;
  attenuator = 0;
  filter = 3;
  /** The status byte (`Q?`). */
  status = 0;
  private readonly incidentW: () => number;
  private readonly noise: number;
  private readonly fullScaleW: number;
  private readonly wavelengths: Limits;
  private readonly random = new Random(1830);

  constructor(options: Newport1830cSimulatorOptions = {}) {
    super();
    this.incidentW = options.incidentW ?? (() => 1e-3);
    this.noise = options.noise ?? 1e-3;
    this.fullScaleW = options.fullScaleW ?? 2;
    this.wavelengths = options.wavelengthRange ?? { min: 400, max: 1100 };
  }

  handle(command: string, reply: Reply): void {
    const text = command.trim().toUpperCase();
    if (text === 'C') {
      this.status = 0;
      return;
    }
    const letter = text.charAt(0);
    const rest = text.slice(1);
    if (rest === '?') return this.query(letter, reply);
    const value = Number(rest);
    const settable: Record<string, [number, number]> = { W: [this.wavelengths.min, this.wavelengths.max], U: [1, 4], A: [0, 1], F: [1, 3], E: [0, 1] };
    const limits = settable[letter];
    if (limits === undefined) {
      this.status |= STATUS.commandError;
      return;
    }
    if (rest === '' || !Number.isInteger(value) || value < limits[0] || value > limits[1]) {
      this.status |= STATUS.parameterError;
      return;
    }
    if (letter === 'W') this.wavelengthNm = value;
    if (letter === 'U') this.units = value;
    if (letter === 'A') this.attenuator = value;
    if (letter === 'F') this.filter = value;
  }

  private query(letter: string, reply: Reply): void {
    switch (letter) {
      case 'D':
        return reply(this.reading());
      case 'W':
        return reply(String(this.wavelengthNm).padStart(4, '0'));
      case 'U':
        return reply(String(this.units));
      case 'A':
        return reply(String(this.attenuator));
      case 'F':
        return reply(String(this.filter));
      case 'R':
        return reply('3');
      case 'Q':
        return reply(String(this.status));
      default:
        this.status |= STATUS.commandError;
    }
  }

  /** A reading as the meter writes it: sign, a mantissa without its leading 0, exponent (`+.2500E-2`). */
  private reading(): string {
    const incident = this.incidentW();
    if (incident > this.fullScaleW) this.status |= STATUS.overRange;
    if (incident > 10 * this.fullScaleW) this.status |= STATUS.saturation;
    this.status |= STATUS.readDone;
    const watts = Math.max(1e-12, Math.min(incident, this.fullScaleW) * (1 + this.noise * this.random.gaussian()));
    if (this.units !== 1) return (10 * Math.log10(watts / 1e-3)).toFixed(2);
    let exponent = Math.floor(Math.log10(watts)) + 1;
    let digits = Math.round((watts / 10 ** exponent) * 1e4);
    if (digits >= 1e4) {
      digits = 1000;
      exponent += 1;
    }
    return `+.${String(digits).padStart(4, '0')}E${exponent}`;
  }
}
