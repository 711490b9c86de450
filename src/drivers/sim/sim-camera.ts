/**
 * `sim-camera`: a simulated cooled 16-bit scientific camera. Each frame takes its exposure
 * plus the readout time in simulated time and shows a drifting Gaussian spot with realistic
 * noise (see `camera-scene.ts`); the sensor cools towards its setpoint (`sensor-cooler.ts`).
 */
import type {
  Cooled,
  ExposureControl,
  Frame,
  FrameDtype,
  FrameProducer,
  Limits,
  Parameterized,
  Roi,
  RoiSelectable,
  Stoppable,
  Triggerable,
} from '../../capabilities/index.js';
import { type Clock, DaqError, type Unsubscribe } from '../../core/index.js';
import { createParameterSet, defineDriver, requireInRange } from '../../devices/index.js';
import { binnedSize, renderFrame } from './camera-scene.js';
import { FrameAcquisition, type ExposurePlan } from './frame-acquisition.js';
import { Random } from './random.js';
import { SensorCooler } from './sensor-cooler.js';
import { checkBinning, checkRoi, simCameraOptions, type SimCameraOptions } from './sim-camera-options.js';
import { ParameterizedSimDevice } from './sim-device.js';

/** A simulated cooled camera with ROI, binning, triggered and streamed acquisition. */
export class SimCamera
  extends ParameterizedSimDevice
  implements FrameProducer, Triggerable, ExposureControl, Cooled, RoiSelectable, Stoppable, Parameterized
{
  readonly driver = 'sim-camera';
  protected readonly settings: Parameterized;
  private readonly acquisition: FrameAcquisition;
  private readonly random: Random;
  private readonly cooler: SensorCooler;
  private readonly sensor: { width: number; height: number };
  private exposureS: number;
  private gain: number;
  private binning = 1;
  private region: Roi;
  private armed = false;

  constructor(
    name: string,
    private readonly options: SimCameraOptions,
    clock: Clock,
  ) {
    super(name, clock);
    this.sensor = { width: options.width, height: options.height };
    this.region = { x: 0, y: 0, ...this.sensor };
    this.exposureS = options.exposure;
    this.gain = options.gain;
    this.random = new Random(options.seed);
    this.cooler = new SensorCooler(options.temperature_ambient, options.cooling_time_constant, clock.now());
    this.acquisition = new FrameAcquisition(name, clock, () => this.plan());
    const setpoints = this.temperatureRange();
    this.settings = createParameterSet(name, [
      {
        name: 'exposure', type: 'number', units: 's', min: options.exposure_min, max: options.exposure_max,
        description: 'exposure time (s)',
        get: () => this.exposureS,
        set: (value) => this.setExposure(Number(value)),
      },
      {
        name: 'binning', type: 'integer', units: '', min: 1, max: 4,
        description: 'pixels summed along each axis (1 to 4)',
        get: () => this.binning,
        set: (value) => this.setBinning(Number(value)),
      },
      {
        name: 'gain', type: 'number', units: 'counts/e-', min: 0.01, max: 100,
        description: 'conversion gain (counts per photoelectron)',
        get: () => this.gain,
        set: (value) => { this.gain = Number(value); },
      },
      {
        name: 'temperature_setpoint', type: 'number', units: 'degC', ...setpoints,
        description: 'sensor temperature setpoint (°C)',
        get: () => this.cooler.setpoint(),
        set: (value) => this.setTemperature(Number(value)),
      },
      {
        name: 'temperature', type: 'number', units: 'degC',
        description: 'sensor temperature (°C)',
        get: () => this.cooler.temperature(this.clock.now()),
      },
    ]);
  }

  /** Acquires one frame (exposure + readout of simulated time), emits it and returns it. */
  snap(): Promise<Frame> {
    return this.operation('snap', () => this.acquireOne());
  }

  /** Prepares triggered acquisition. */
  arm(): Promise<void> {
    return this.operation('arm', async () => {
      this.armed = true;
    });
  }

  /** Acquires one frame (arming first if needed); it goes to `onFrame` listeners and {@link lastFrame}. */
  trigger(): Promise<void> {
    return this.operation('trigger', async () => {
      this.armed = true;
      await this.acquireOne();
    });
  }

  /** The last frame acquired (snap, trigger or stream), or `undefined` before the first. */
  lastFrame(): Frame | undefined {
    return this.acquisition.last;
  }

  /** True after `arm()` or `trigger()`. */
  isArmed(): boolean {
    return this.armed;
  }

  /**
   * Starts acquiring frames back to back (each exposure + readout) until {@link stopStream}
   * or `count` frames; the camera is busy meanwhile. Resolves once started.
   */
  startStream(count?: number): Promise<void> {
    const check = (): void => {
      if (count !== undefined && !(Number.isInteger(count) && count >= 1)) {
        const message = `${this.name}: frame count must be a positive integer, got ${count}`;
        throw new DaqError('invalid_argument', message, { device: this.name });
      }
      if (this.acquisition.streaming) throw this.streaming('start a stream');
    };
    return this.command('start stream', check, async () => {
      const fail = (error: unknown): void => this.markFaulted(this.wrap(error, 'stream failed'));
      this.acquisition.startStream(count, this.beginActivity(), fail);
    });
  }

  /** Stops the stream; resolves once no more frames will come. Does nothing without a stream. */
  stopStream(): Promise<void> {
    return this.acquisition.stopStream();
  }

  /** Calls `listener` with every frame acquired. */
  onFrame(listener: (frame: Frame) => void): Unsubscribe {
    return this.acquisition.frames.on(listener);
  }

  /** Size of the frames read out now: the ROI divided by the binning, in pixels. */
  frameSize(): { width: number; height: number; dtype: FrameDtype } {
    return { ...binnedSize(this.region, this.binning), dtype: 'uint16' };
  }

  /** Sets the exposure time in s; `out_of_range` outside `exposureRange()`. */
  setExposure(exposureS: number): Promise<void> {
    return this.command(
      'set exposure',
      () => requireInRange(this.name, 'exposure', exposureS, this.exposureRange(), 's'),
      async () => {
        this.exposureS = exposureS;
      },
    );
  }

  /** The exposure time in s. */
  exposure(): Promise<number> {
    return this.query('read exposure', () => this.exposureS);
  }

  /** Allowed exposure times in s. */
  exposureRange(): Limits {
    return { min: this.options.exposure_min, max: this.options.exposure_max };
  }

  /** Sets the binning (1 to 4 pixels along each axis); `out_of_range` otherwise. */
  setBinning(binning: number): Promise<void> {
    return this.command(
      'set binning',
      () => {
        checkBinning(this.name, binning);
        checkRoi(this.name, this.region, this.sensor, binning);
      },
      async () => {
        this.binning = binning;
      },
    );
  }

  /** Restricts readout to `roi` (unbinned pixels); `out_of_range` if not whole pixels inside the sensor. */
  setRoi(roi: Roi): Promise<void> {
    return this.command(
      'set ROI',
      () => checkRoi(this.name, roi, this.sensor, this.binning),
      async () => {
        this.region = { x: roi.x, y: roi.y, width: roi.width, height: roi.height };
      },
    );
  }

  /** The region of interest, unbinned pixels. */
  roi(): Promise<Roi> {
    return this.query('read ROI', () => ({ ...this.region }));
  }

  /** The full sensor in pixels. */
  sensorSize(): { width: number; height: number } {
    return { ...this.sensor };
  }

  /** Sets the sensor temperature setpoint in °C; the sensor then approaches it with the cooling time constant. */
  setTemperature(setpointC: number): Promise<void> {
    return this.command(
      'set temperature',
      () => requireInRange(this.name, 'temperature setpoint', setpointC, this.temperatureRange(), '°C'),
      async () => {
        this.cooler.setSetpoint(setpointC, this.clock.now());
      },
    );
  }

  /** The setpoint in °C. */
  temperatureSetpoint(): Promise<number> {
    return this.query('read temperature setpoint', () => this.cooler.setpoint());
  }

  /** The present sensor temperature in °C. */
  temperature(): Promise<number> {
    return this.query('read temperature', () => this.cooler.temperature(this.clock.now()));
  }

  /** Allowed setpoints in °C. */
  temperatureRange(): Limits {
    return { min: this.options.setpoint_min, max: this.options.setpoint_max };
  }

  /** Stops the stream, the camera's safe state. Does nothing when not connected. */
  async stop(): Promise<void> {
    await this.stopStream();
  }

  protected override async openConnection(signal: AbortSignal): Promise<void> {
    await super.openConnection(signal);
    this.acquisition.reset();
    this.armed = false;
  }

  protected override async closeConnection(): Promise<void> {
    await this.acquisition.close();
  }

  /** One frame outside a stream (snap, trigger). */
  private acquireOne(): Promise<Frame> {
    if (this.acquisition.streaming) throw this.streaming('acquire a single frame');
    return this.acquisition.acquire();
  }

  /** The next exposure, with the present settings. */
  private plan(): ExposurePlan {
    const { exposureS, gain, binning } = this;
    const roi = { ...this.region };
    return {
      exposureS,
      readoutS: this.options.readout_time,
      render: (startS) => ({
        ...binnedSize(roi, binning),
        data: renderFrame(
          {
            sensorWidth: this.sensor.width,
            sensorHeight: this.sensor.height,
            roi,
            binning,
            exposureS,
            gain,
            // The spot drifts during the exposure; take it at the middle.
            timeS: startS + exposureS / 2,
            temperatureC: this.cooler.temperature(startS + exposureS),
          },
          this.random,
        ),
      }),
    };
  }

  private streaming(what: string): DaqError {
    return new DaqError('failed_precondition', `${this.name}: cannot ${what} while streaming; stop the stream first`, {
      device: this.name,
    });
  }
}

/** The `sim-camera` driver. */
export const simCameraDriver = defineDriver({
  name: 'sim-camera',
  summary: 'simulated cooled 16-bit camera: drifting Gaussian spot, noise, ROI, binning, streaming',
  options: simCameraOptions,
  create: (name, options, context) => new SimCamera(name, options, context.clock),
});
