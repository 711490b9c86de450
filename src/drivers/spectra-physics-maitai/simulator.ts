/**
 * Wire simulator of the Spectra-Physics MaiTai Ti:Sapphire laser. What it speaks (commands and
 * replies end with LF; set commands get no reply, unknown commands are ignored):
 *
 * - `*idn?` identity; `wav N` tunes to N nm (690-1040; out of range is ignored), `wav?` the
 *   setpoint, `read:wav?` the present wavelength (`800nm`), which moves towards the setpoint at
 *   `tuneRateNmPerS`; `shut 0|1`, `shut?`; `on` (pump on, needs warm-up done), `off`;
 *   `read:pow?` output power in W (`1.502W`), 0 when off; `read:pctwarmedup?` (`100%`; `on`
 *   is ignored until it is);
 *   `*stb?` status byte in decimal, bit 0 = emission on, bit 1 = shutter open.
 */
import { LineSimulator, type Reply } from '../../transports/sim/index.js';
import { tiSapphirePowerW } from '../sim/index.js';

/** Options of {@link MaiTaiSimulator}. */
export interface MaiTaiSimulatorOptions {
  /** Tuning speed, nm/s (the real laser takes seconds; tests use a fast one). */
  tuneRateNmPerS?: number;
  /** Output power at the gain peak, W. */
  peakPowerW?: number;
  /** Wavelength at power-on, nm. */
  wavelengthNm?: number;
  /** Time to warm up after power-on, s (default 0: warm); `on` is ignored until then. */
  warmupS?: number;
}

/** A simulated MaiTai, warmed up, pump off, shutter closed. */
export class MaiTaiSimulator extends LineSimulator {
  readonly instrument = 'MaiTai';
  override replyTerminator = '\n';
  readonly range = { min: 690, max: 1040 };
  emission = false;
  shutterOpen = false;
  private readonly rate: number;
  private readonly peakPowerW: number;
  private setpointNm: number;
  private fromNm: number;
  private sinceS: number;
  private readonly bootS: number;
  private readonly warmS: number;

  constructor(options: MaiTaiSimulatorOptions = {}) {
    super();
    this.rate = options.tuneRateNmPerS ?? 5000;
    this.peakPowerW = options.peakPowerW ?? 2.5;
    this.setpointNm = options.wavelengthNm ?? 800;
    this.fromNm = this.setpointNm;
    this.sinceS = this.now();
    this.bootS = this.now();
    this.warmS = this.bootS + (options.warmupS ?? 0);
  }

  /** How far the warm-up has got, % (100 when warm). */
  get warmedUpPercent(): number {
    const total = this.warmS - this.bootS;
    return total <= 0 ? 100 : Math.min(100, Math.floor((100 * (this.now() - this.bootS)) / total));
  }

  /** The present wavelength, nm: moving towards the setpoint at the tuning rate. */
  get wavelengthNm(): number {
    const travelled = (this.now() - this.sinceS) * this.rate;
    const distance = this.setpointNm - this.fromNm;
    return Math.abs(distance) <= travelled ? this.setpointNm : this.fromNm + Math.sign(distance) * travelled;
  }

  /** Output power, W (before the shutter). */
  get powerW(): number {
    return this.emission ? tiSapphirePowerW(this.wavelengthNm, this.peakPowerW) : 0;
  }

  handle(command: string, reply: Reply): void {
    const [word = '', argument] = command.trim().split(/\s+/, 2);
    switch (word.toLowerCase()) {
      case '*idn?':
        return reply('Spectra Physics,MaiTai,3311,0245-2.00.34 / CD00000019 / 214-00.004.057');
      case 'wav': {
        const nm = Number(argument);
        if (!(nm >= this.range.min && nm <= this.range.max)) return;
        this.fromNm = this.wavelengthNm;
        this.sinceS = this.now();
        this.setpointNm = nm;
        return;
      }
      case 'wav?':
        return reply(`${Math.round(this.setpointNm)}nm`);
      case 'read:wav?':
        return reply(`${Math.round(this.wavelengthNm)}nm`);
      case 'shut':
        if (argument === '0' || argument === '1') this.shutterOpen = argument === '1';
        return;
      case 'shut?':
        return reply(this.shutterOpen ? '1' : '0');
      case 'on':
        if (this.warmedUpPercent >= 100) this.emission = true;
        return;
      case 'off':
        this.emission = false;
        return;
      case 'read:pow?':
        return reply(`${this.powerW.toFixed(3)}W`);
      case 'read:pctwarmedup?':
        return reply(`${this.warmedUpPercent}%`);
      case '*stb?':
        return reply(String((this.emission ? 1 : 0) | (this.shutterOpen ? 2 : 0)));
      default:
        return;
    }
  }
}
