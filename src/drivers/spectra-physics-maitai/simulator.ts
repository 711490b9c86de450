/**
 * Wire simulator of the Spectra-Physics MaiTai Ti:Sapphire laser, following the Mai Tai user's
 * manual, chapter "The RS-232 Serial Port" (the sources of each fact are in docs/drivers.md).
 * What it speaks (commands end with CR, LF or both; replies end with LF; set commands get no
 * reply; commands are case-insensitive short forms):
 *
 * - `*idn?` identity; `wav N` tunes to N nm, `wav?` the setpoint, `read:wav?` the present
 *   wavelength (`800nm`), which moves towards the setpoint at `tuneRateNmPerS`; `wav:min?`,
 *   `wav:max?` the tuning range (`690nm`); `shut 0|1`, `shut?` (it reads the old state for
 *   `shutterDelayS` after a change, as the manual says the laser does for about 1 s); `on` (pump
 *   on: an execution error while the warm-up is between 1 and 99 %), `off`; `read:pow?` output
 *   power (`1.502W`), 0 when off; `read:pctw?` or `read:pctwarmedup?` (`100%`).
 * - `*stb?` the product status byte: 1 = emission possible, 2 = modelocked (emitting here).
 * - `syst:err?` the oldest entry of the error queue as `<code> <text>` (`0` when empty), the code
 *   the manual's error bits: 1 CMD_ERR, 2 EXE_ERR, 32 SYS_ERR, 64 LASER_ON, 128 ANY_ERR. The
 *   manual gives the codes but not the wording of the text: the texts here are the simulator's.
 * - An open interlock (`interlockOpen`) turns the pump off and queues a system error; `on`
 *   is refused with one while it stays open.
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
  /** Time to warm up after power-on, s (default 0: warm). */
  warmupS?: number;
  /** How long `shut?` reads the old state after `shut 0|1`, s (the manual: about 1 s; default 0). */
  shutterDelayS?: number;
}

/** The error bits of the Mai Tai (manual, Table 6-1). */
export const MAITAI_ERROR_BITS = { CMD_ERR: 1, EXE_ERR: 2, SYS_ERR: 32, LASER_ON: 64, ANY_ERR: 128 } as const;

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
  private readonly shutterDelayS: number;
  private shutterChangedS = -Infinity;
  private open = false;
  private readonly errors: { code: number; text: string }[] = [];

  constructor(options: MaiTaiSimulatorOptions = {}) {
    super();
    this.rate = options.tuneRateNmPerS ?? 5000;
    this.peakPowerW = options.peakPowerW ?? 2.5;
    this.setpointNm = options.wavelengthNm ?? 800;
    this.fromNm = this.setpointNm;
    this.sinceS = this.now();
    this.bootS = this.now();
    this.warmS = this.bootS + (options.warmupS ?? 0);
    this.shutterDelayS = options.shutterDelayS ?? 0;
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

  /** True while the interlock is open: the pump goes off and `on` is refused. */
  get interlockOpen(): boolean {
    return this.open;
  }

  set interlockOpen(open: boolean) {
    this.open = open;
    if (open && this.emission) {
      this.emission = false;
      this.fail('SYS_ERR', 'interlock open: pump laser turned off');
    }
  }

  handle(command: string, reply: Reply): void {
    const [word = '', argument] = command.trim().split(/\s+/, 2);
    switch (word.toLowerCase()) {
      case '*idn?':
        return reply('Spectra Physics,MaiTai,3311,0245-2.00.34 / CD00000019 / 214-00.004.057');
      case 'wav':
        return this.tune(Number(argument));
      case 'wav?':
        return reply(`${Math.round(this.setpointNm)}nm`);
      case 'wav:min?':
        return reply(`${this.range.min}nm`);
      case 'wav:max?':
        return reply(`${this.range.max}nm`);
      case 'read:wav?':
        return reply(`${Math.round(this.wavelengthNm)}nm`);
      case 'shut':
        if (argument !== '0' && argument !== '1') return this.fail('EXE_ERR', `shutter state must be 0 or 1, not "${argument ?? ''}"`);
        if ((argument === '1') !== this.shutterOpen) this.shutterChangedS = this.now();
        this.shutterOpen = argument === '1';
        return;
      case 'shut?': {
        const settled = this.now() - this.shutterChangedS >= this.shutterDelayS;
        return reply((settled ? this.shutterOpen : !this.shutterOpen) ? '1' : '0');
      }
      case 'on':
        return this.turnOn();
      case 'off':
        this.emission = false;
        return;
      case 'read:pow?':
        return reply(`${this.powerW.toFixed(3)}W`);
      case 'read:pctw?':
      case 'read:pctwarmedup?':
        return reply(`${this.warmedUpPercent}%`);
      case '*stb?':
        return reply(String(this.emission ? 1 | 2 : 0));
      case 'syst:err?': {
        const oldest = this.errors.shift();
        return reply(oldest === undefined ? '0' : `${oldest.code} ${oldest.text}`);
      }
      default:
        return this.fail('CMD_ERR', `command not understood: "${command.trim()}"`);
    }
  }

  private tune(nm: number): void {
    if (!(nm >= this.range.min && nm <= this.range.max)) {
      return this.fail('EXE_ERR', `wavelength ${Number.isNaN(nm) ? 'missing' : nm} outside ${this.range.min}-${this.range.max} nm`);
    }
    this.fromNm = this.wavelengthNm;
    this.sinceS = this.now();
    this.setpointNm = nm;
  }

  private turnOn(): void {
    if (this.open) return this.fail('SYS_ERR', 'interlock open: pump laser cannot turn on');
    const warm = this.warmedUpPercent;
    if (warm >= 1 && warm < 100) return this.fail('EXE_ERR', `warming up (${warm}%)`);
    if (warm >= 100) this.emission = true;
  }

  /** Queues an error with its bit, the LASER_ON bit when emitting, and ANY_ERR. */
  private fail(bit: 'CMD_ERR' | 'EXE_ERR' | 'SYS_ERR', text: string): void {
    const code = MAITAI_ERROR_BITS[bit] | (this.emission ? MAITAI_ERROR_BITS.LASER_ON : 0) | MAITAI_ERROR_BITS.ANY_ERR;
    this.errors.push({ code, text });
  }
}
