/**
 * `sim-power-meter`: a simulated photodiode power meter that sees a laser of the lab through
 * an aperture (a fibre, a pinhole) carried by a stage of the lab. What it reads depends on the
 * other devices at the moment of the reading: the laser's power and shutter, and how well the
 * stage position couples the beam into the aperture. A line scan of the stage therefore finds
 * a Gaussian peak at `peak_position`. With an external trigger (`followTrigger`) it takes one
 * reading per pulse, averaging from the pulse on (`trigger-input.ts`), so a fly scan of the stage
 * finds the same peak; a pulse that comes while the last triggered reading still averages is
 * missed. A rate train of a trigger source makes it sample at a fixed rate.
 */
import { z } from 'zod';
import {
  type DataKey,
  type HardwareTriggered,
  isMovable,
  isReadable,
  isShutterControl,
  isWavelengthTunable,
  type Limits,
  type Parameterized,
  type Pulse,
  type Readable,
  type Reading,
  type ShutterControl,
  type TriggeredAcquisition,
  type TriggerSource,
  type WavelengthTunable,
} from '../../capabilities/index.js';
import type { Unsubscribe } from '../../core/index.js';
import { createParameterSet, defineDriver, type DeviceReference, type DriverContext, requireInRange } from '../../devices/index.js';
import { LabPeers } from './lab-peers.js';
import { Random } from './random.js';
import { ParameterizedSimDevice } from './sim-device.js';
import { TriggerInput } from './trigger-input.js';

/** Options of `sim-power-meter` in the lab config. */
export const simPowerMeterOptions = z.strictObject({
  laser: z.string().min(1).default('laser').describe('name of the laser it sees (a device with a shutter and a power reading)'),
  stage: z.string().default('stage').describe('name of the stage carrying the aperture (a Movable), or "" for none'),
  peak_position: z.number().default(12.5).describe('stage position of best coupling (stage units)'),
  beam_width: z.number().positive().default(1).describe('1/e^2 radius of the coupling versus stage position (stage units)'),
  dark_power: z.number().nonnegative().default(1e-6).describe('reading with no light (W)'),
  noise: z.number().nonnegative().default(0.002).describe('relative rms noise of a reading (fraction)'),
  wavelength: z.number().min(400).max(1100).default(800).describe('calibration wavelength at start (nm)'),
  averaging_time: z.number().nonnegative().default(0.01).describe('time one reading averages over (s)'),
  seed: z.number().int().default(1).describe('seed of the noise (integer)'),
});

/** Validated options of `sim-power-meter`. */
export type SimPowerMeterOptions = z.output<typeof simPowerMeterOptions>;

/** What the meter needs of its laser: a power reading and a shutter. */
function isLaser(device: unknown): device is Readable & ShutterControl {
  return isReadable(device) && isShutterControl(device);
}

/** Calibration range of the silicon sensor, nm. */
const CALIBRATION_RANGE: Limits = { min: 400, max: 1100 };

/**
 * Relative responsivity (A/W, arbitrary scale) of a silicon photodiode at `wavelengthNm`.
 * A photodiode counts photons: at quantum efficiency eta, R = eta * lambda * e / (h c), so R
 * grows with wavelength. eta is near 1 from 500 to 950 nm, drops towards the blue (absorption
 * in the surface layer) and towards 1100 nm (silicon's band gap: the light passes through).
 */
export function siliconResponsivity(wavelengthNm: number): number {
  const eta =
    wavelengthNm < 500
      ? 0.6 + (0.4 * (wavelengthNm - 400)) / 100
      : wavelengthNm > 950
        ? 1 - (0.7 * (wavelengthNm - 950)) / 150
        : 1;
  return Math.max(0.05, eta) * wavelengthNm;
}

/** A simulated power meter coupled to a laser and a stage of the lab. */
export class SimPowerMeter extends ParameterizedSimDevice implements Readable, HardwareTriggered, WavelengthTunable, Parameterized {
  readonly driver = 'sim-power-meter';
  protected readonly settings: Parameterized;
  private readonly peers: LabPeers;
  private readonly random: Random;
  private calibrationNm: number;
  private averagingS: number;
  private readonly input: TriggerInput;
  /** Triggered readings still averaging. */
  private sampling = 0;
  /** The last laser {@link isTunable} checked, and the answer. */
  private tunable: { laser: object; tunable: boolean } | undefined;

  constructor(
    name: string,
    private readonly options: SimPowerMeterOptions,
    context: DriverContext,
  ) {
    super(name, context.clock);
    this.peers = new LabPeers(name, context);
    this.random = new Random(options.seed);
    this.calibrationNm = options.wavelength;
    this.averagingS = options.averaging_time;
    this.input = new TriggerInput((pulse) => this.onPulse(pulse));
    this.settings = createParameterSet(name, [
      {
        name: 'wavelength', type: 'number', units: 'nm', min: CALIBRATION_RANGE.min, max: CALIBRATION_RANGE.max,
        description: 'calibration wavelength (nm): set it to the laser wavelength for a true reading',
        get: () => this.calibrationNm,
        set: (value) => this.setWavelength(Number(value)),
      },
      {
        name: 'averaging_time', type: 'number', units: 's', min: 0, max: 10,
        description: 'time one reading averages over (s)',
        get: () => this.averagingS,
        set: (value) => { this.averagingS = Number(value); },
      },
    ]);
  }

  /**
   * Measures the power in W, taking `averaging_time` of simulated time. Fails, naming both
   * devices, when the laser or stage is missing, not connected or cannot do what is needed.
   */
  read(): Promise<Reading> {
    return this.operation('read', () => this.measure());
  }

  /** Takes one reading per pulse of `source` from now on (averaging from the pulse); `undefined` stops. */
  followTrigger(source: TriggerSource | undefined): Promise<void> {
    return this.query('follow a trigger', () => this.input.follow(source));
  }

  /** Calls `listener` with every reading taken on a pulse, with its pulse. */
  onTriggered(listener: (acquisition: TriggeredAcquisition) => void): Unsubscribe {
    return this.input.on(listener);
  }

  /** Pulses missed (the reading before still averaging) since the source was followed. */
  missedTriggers(): number {
    return this.input.missedCount;
  }

  protected override async closeConnection(): Promise<void> {
    await this.input.close();
  }

  /** A pulse: a reading averaged from now, unless a triggered reading still averages. */
  private onPulse(pulse: Pulse): Promise<TriggeredAcquisition> | undefined {
    if (!this.connected || this.sampling > 0) return undefined;
    this.sampling++;
    const startS = this.clock.now();
    const exposureS = this.averagingS;
    return this.operation('read on a trigger', () => this.measure())
      .then((value) => ({ pulse, startS, exposureS, value }))
      .finally(() => {
        this.sampling--;
      });
  }

  /**
   * One reading: averages for `averaging_time`; the stage position is taken in the middle of
   * the window (where a moving stage is on average), the laser at its end.
   */
  private async measure(): Promise<Reading> {
    const laser = this.peers.get('laser', this.options.laser, ['Readable', 'ShutterControl'], isLaser);
    const stage = this.options.stage === '' ? undefined : this.peers.get('stage', this.options.stage, ['Movable'], isMovable);
    // With no averaging time (a bench's instant meter) nothing is waited for: a sleep of 0 s
    // takes no time on any clock.
    const halfS = this.averagingS / 2;
    if (halfS > 0) await this.clock.sleep(halfS);
    const position = stage === undefined ? this.options.peak_position : await stage.position();
    if (halfS > 0) await this.clock.sleep(halfS);
    const laserPower = (await laser.read()).value;
    const powerW = typeof laserPower === 'number' ? laserPower : 0;
    const open = await laser.isShutterOpen();
    const laserNm = this.isTunable(laser) ? await laser.wavelength() : this.calibrationNm;
    // Coupling of a Gaussian beam into the aperture versus its offset x from the best
    // position: exp(-2 x^2 / w^2), w the 1/e^2 radius. 1 at the peak, 13.5 % at x = w.
    const offset = position - this.options.peak_position;
    const coupling = Math.exp((-2 * offset * offset) / (this.options.beam_width * this.options.beam_width));
    // A meter calibrated at the wrong wavelength is off by the ratio of responsivities.
    const calibration = siliconResponsivity(laserNm) / siliconResponsivity(this.calibrationNm);
    const signalW = (open ? powerW : 0) * coupling * calibration;
    const value = (signalW + this.options.dark_power) * (1 + this.options.noise * this.random.gaussian());
    return { value, timestampS: this.clock.now(), units: 'W' };
  }

  /** Whether `laser` is wavelength tunable; the answer for the last laser asked about is kept. */
  private isTunable(laser: object): laser is WavelengthTunable {
    if (this.tunable?.laser !== laser) this.tunable = { laser, tunable: isWavelengthTunable(laser) };
    return this.tunable.tunable;
  }

  /** The value `read()` returns: optical power, a scalar in W. */
  describe(): DataKey {
    return { dtype: 'float64', shape: [], units: 'W' };
  }

  /** Sets the calibration wavelength in nm (instant); `out_of_range` outside 400..1100 nm. */
  setWavelength(wavelengthNm: number): Promise<void> {
    return this.command(
      'set wavelength',
      () => requireInRange(this.name, 'wavelength', wavelengthNm, CALIBRATION_RANGE, 'nm'),
      async () => {
        this.calibrationNm = wavelengthNm;
      },
    );
  }

  /** The calibration wavelength in nm. */
  wavelength(): Promise<number> {
    return this.query('read wavelength', () => this.calibrationNm);
  }

  /** Calibration range in nm. */
  wavelengthRange(): Limits {
    return { ...CALIBRATION_RANGE };
  }
}

/** The devices a power meter's options refer to, for the lab loader to check. */
export function powerMeterReferences(options: SimPowerMeterOptions): DeviceReference[] {
  const references: DeviceReference[] = [{ field: 'laser', device: options.laser, capability: 'ShutterControl' }];
  if (options.stage !== '') references.push({ field: 'stage', device: options.stage, capability: 'Movable' });
  return references;
}

/** The `sim-power-meter` driver. */
export const simPowerMeterDriver = defineDriver({
  name: 'sim-power-meter',
  summary: 'simulated power meter that sees a laser of the lab through an aperture on a stage',
  options: simPowerMeterOptions,
  references: powerMeterReferences,
  create: (name, options, context) => new SimPowerMeter(name, options, context),
});
