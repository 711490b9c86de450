/**
 * `sim-laser`: a simulated tunable Ti:Sapphire oscillator like the Spectra-Physics MaiTai.
 * It tunes over 690-1040 nm at a finite rate, has a shutter (closed is safe), an emission
 * switch with a warm-up, and reports its output power, which follows the gain curve of
 * Ti:Sapphire over the tuning range.
 */
import { z } from 'zod';
import type {
  DataKey,
  EmissionControl,
  Limits,
  Parameterized,
  Readable,
  Reading,
  ShutterControl,
  Stoppable,
  WavelengthTunable,
} from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { createParameterSet, defineDriver, requireInRange } from '../../devices/index.js';
import { Random } from './random.js';
import { RampedValue } from './ramped-value.js';
import { ParameterizedSimDevice } from './sim-device.js';

/** Options of `sim-laser` in the lab config. */
export const simLaserOptions = z
  .strictObject({
    wavelength: z.number().positive().default(800).describe('wavelength at start (nm)'),
    min_wavelength: z.number().positive().default(690).describe('short end of the tuning range (nm)'),
    max_wavelength: z.number().positive().default(1040).describe('long end of the tuning range (nm)'),
    tuning_rate: z.number().positive().default(50).describe('tuning speed (nm/s)'),
    peak_power: z.number().positive().default(2.8).describe('output power at the gain peak near 800 nm (W)'),
    warmup_time: z.number().nonnegative().default(2).describe('time from enabling emission to lasing (s)'),
    seed: z.number().int().default(1).describe('seed of the power noise (integer)'),
  })
  .refine((o) => o.min_wavelength < o.max_wavelength, {
    message: 'min_wavelength must be below max_wavelength',
    path: ['max_wavelength'],
  })
  .refine((o) => o.wavelength >= o.min_wavelength && o.wavelength <= o.max_wavelength, {
    message: 'the start wavelength must be within min_wavelength..max_wavelength',
    path: ['wavelength'],
  });

/** Validated options of `sim-laser`. */
export type SimLaserOptions = z.output<typeof simLaserOptions>;

/** Wavelength of the Ti:Sapphire gain peak, nm. */
const GAIN_PEAK_NM = 800;
/** Relative rms fluctuation of the output power. */
const POWER_NOISE = 0.005;
/** Time the shutter takes to open or close, s. */
const SHUTTER_TIME_S = 0.02;

/**
 * Output power (W) of a Ti:Sapphire oscillator tuned to `wavelengthNm`, at `peakPowerW` on the
 * gain peak. Ti:Sapphire gain is broad and asymmetric: it peaks near 800 nm and falls off
 * faster to the blue (pump absorption overlaps, the gain cross-section drops) than to the red.
 * Modelled as two half-Gaussians, sigma 80 nm blue of the peak and 150 nm red of it, which
 * gives about 1.1 W at 690 nm and 0.8 W at 1040 nm for 2.8 W at 800 nm, as a MaiTai HP.
 */
export function tiSapphirePowerW(wavelengthNm: number, peakPowerW: number): number {
  const sigmaNm = wavelengthNm < GAIN_PEAK_NM ? 80 : 150;
  const offset = (wavelengthNm - GAIN_PEAK_NM) / sigmaNm;
  return peakPowerW * Math.exp(-0.5 * offset * offset);
}

/** A simulated tunable femtosecond laser. */
export class SimLaser
  extends ParameterizedSimDevice
  implements WavelengthTunable, ShutterControl, EmissionControl, Readable, Stoppable, Parameterized
{
  readonly driver = 'sim-laser';
  protected readonly settings: Parameterized;
  private readonly tuning: RampedValue;
  private readonly range: Limits;
  private readonly random: Random;
  private shutterOpen = false;
  /** Where the shutter is going (differs from `shutterOpen` while it moves). */
  private shutterTarget = false;
  private emission: 'off' | 'warming' | 'on' = 'off';
  private warmup: AbortController | undefined;

  constructor(
    name: string,
    private readonly options: SimLaserOptions,
    clock: Clock,
  ) {
    super(name, clock);
    this.range = { min: options.min_wavelength, max: options.max_wavelength };
    this.tuning = new RampedValue(name, clock, options.wavelength, options.tuning_rate);
    this.random = new Random(options.seed);
    this.settings = createParameterSet(name, [
      {
        name: 'wavelength', type: 'number', units: 'nm', min: this.range.min, max: this.range.max,
        description: 'wavelength the laser is tuned to (nm)',
        get: () => this.tuning.value(),
        set: (value) => this.setWavelength(Number(value)),
      },
      {
        name: 'power', type: 'number', units: 'W', min: 0,
        description: 'output power without noise (W); 0 unless emitting',
        get: () => this.noiselessPowerW(),
      },
      {
        name: 'emission', type: 'boolean', units: '', description: 'true when lasing',
        get: () => this.emission === 'on',
      },
      {
        name: 'shutter_open', type: 'boolean', units: '', description: 'true when the shutter is open',
        get: () => this.shutterOpen,
      },
    ]);
  }

  /** Tunes to `wavelengthNm` at the tuning rate; resolves when tuned. */
  setWavelength(wavelengthNm: number): Promise<void> {
    return this.command(
      'tune',
      () => requireInRange(this.name, 'wavelength', wavelengthNm, this.range, 'nm'),
      () => this.tuning.rampTo(wavelengthNm, `tuning to ${wavelengthNm} nm`),
    );
  }

  /** The present wavelength in nm (changes while tuning). */
  wavelength(): Promise<number> {
    return this.query('read wavelength', () => this.tuning.value());
  }

  /** Tuning range in nm. */
  wavelengthRange(): Limits {
    return { ...this.range };
  }

  /** Opens the shutter (takes 20 ms of simulated time). */
  openShutter(): Promise<void> {
    return this.operation('open shutter', () => this.moveShutter(true));
  }

  /** Closes the shutter (takes 20 ms of simulated time). */
  closeShutter(): Promise<void> {
    return this.operation('close shutter', () => this.moveShutter(false));
  }

  /** True when the shutter is open. */
  isShutterOpen(): Promise<boolean> {
    return this.query('read shutter', () => this.shutterOpen);
  }

  /** Switches emission on; resolves once lasing, after the warm-up (`warmup_time`, s). */
  enableEmission(): Promise<void> {
    return this.operation('enable emission', async () => {
      if (this.emission === 'on') return;
      if (this.warmup === undefined) this.warmup = new AbortController();
      this.emission = 'warming';
      const warmup = this.warmup;
      try {
        await this.clock.sleep(this.options.warmup_time, warmup.signal);
      } finally {
        if (this.warmup === warmup) this.warmup = undefined;
      }
      this.emission = 'on';
    });
  }

  /** Switches emission off at once; a warm-up under way is cancelled. */
  disableEmission(): Promise<void> {
    return this.operation('disable emission', async () => this.emissionOff('emission was disabled during the warm-up'));
  }

  /** True when lasing (not during the warm-up). */
  isEmissionEnabled(): Promise<boolean> {
    return this.query('read emission', () => this.emission === 'on');
  }

  /** Measures the output power in W: the tuning curve with 0.5 % rms noise, 0 unless lasing. */
  read(): Promise<Reading> {
    return this.query('read power', () => {
      const powerW = this.noiselessPowerW() * (1 + POWER_NOISE * this.random.gaussian());
      return { value: Math.max(0, powerW), timestampS: this.clock.now(), units: 'W' };
    });
  }

  /** The value `read()` returns: output power, a scalar in W. */
  describe(): DataKey {
    return { dtype: 'float64', shape: [], units: 'W' };
  }

  /**
   * The safe state: halts a tuning under way where it is (its `setWavelength` rejects with
   * `cancelled`; an aborted run's laser does not go on tuning for seconds) and closes the
   * shutter. Does nothing when not connected.
   */
  async stop(): Promise<void> {
    if (!this.connected) return;
    this.tuning.halt(`${this.name}: tuning was stopped`);
    await this.closeShutter();
  }

  protected override async closeConnection(): Promise<void> {
    this.tuning.halt('disconnected while tuning');
    this.emissionOff('disconnected during the warm-up');
  }

  /** Moves the shutter; the latest command wins, and an earlier one still moving is cancelled. */
  private async moveShutter(open: boolean): Promise<void> {
    if (this.shutterOpen === open && this.shutterTarget === open) return;
    this.shutterTarget = open;
    await this.clock.sleep(SHUTTER_TIME_S);
    if (this.shutterTarget !== open) {
      const what = open ? 'opening' : 'closing';
      throw new DaqError('cancelled', `${this.name}: ${what} the shutter was overridden`, { device: this.name });
    }
    this.shutterOpen = open;
  }

  private emissionOff(why: string): void {
    this.warmup?.abort(new DaqError('cancelled', `${this.name}: ${why}`, { device: this.name }));
    this.warmup = undefined;
    this.emission = 'off';
  }

  private noiselessPowerW(): number {
    return this.emission === 'on' ? tiSapphirePowerW(this.tuning.value(), this.options.peak_power) : 0;
  }
}

/** The `sim-laser` driver. */
export const simLaserDriver = defineDriver({
  name: 'sim-laser',
  summary: 'simulated tunable Ti:Sapphire laser (MaiTai-like): wavelength, shutter, emission, power',
  options: simLaserOptions,
  create: (name, options, context) => new SimLaser(name, options, context.clock),
});
