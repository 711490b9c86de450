/**
 * `sim-camera`: a simulated cooled 16-bit scientific camera. Each frame takes its exposure
 * plus the readout time in simulated time and shows a Gaussian spot with realistic noise (see
 * `camera-scene.ts`); the sensor cools towards its setpoint (`sensor-cooler.ts`). The spot
 * drifts slowly, or, with a `stage` option, moves across the sensor with that stage (the camera
 * looks at the optics the stage carries): it is at the sensor centre when the stage is at
 * `stage_centre`. With an external trigger (`followTrigger`) it takes one frame per pulse
 * (`trigger-input.ts`), missing the pulses that come while it is still exposing or reading out.
 */
import type {
  Cooled,
  ExposureControl,
  Frame,
  FrameDtype,
  FrameProducer,
  HardwareTriggered,
  Limits,
  Parameterized,
  Pulse,
  Roi,
  RoiSelectable,
  Stoppable,
  Triggerable,
  TriggeredAcquisition,
  TriggerSource,
} from '../../capabilities/index.js';
import { isMovable } from '../../capabilities/index.js';
import { type Clock, DaqError, type Unsubscribe } from '../../core/index.js';
import { createParameterSet, defineDriver, type DriverContext, requireInRange } from '../../devices/index.js';
import { binnedSize, renderFrame } from './camera-scene.js';
import { FrameAcquisition, type ExposurePlan } from './frame-acquisition.js';
import { Random } from './random.js';
import { SensorCooler } from './sensor-cooler.js';
import { LabPeers } from './lab-peers.js';
import { cameraReferences, checkBinning, checkRoi, simCameraOptions, type SimCameraOptions } from './sim-camera-options.js';
import { ParameterizedSimDevice } from './sim-device.js';
import { TriggerInput } from './trigger-input.js';

/** A simulated cooled camera with ROI, binning, triggered (software or hardware) and streamed acquisition. */
export class SimCamera
  extends ParameterizedSimDevice
  implements FrameProducer, Triggerable, HardwareTriggered, ExposureControl, Cooled, RoiSelectable, Stoppable, Parameterized
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
  private readonly peers: LabPeers | undefined;
  private readonly input: TriggerInput;

  /** `context` may be a bare clock for a camera coupled to no stage. */
  constructor(
    name: string,
    private readonly options: SimCameraOptions,
    context: DriverContext | Clock,
  ) {
    const clock = 'clock' in context ? context.clock : context;
    super(name, clock);
    this.peers = 'clock' in context ? new LabPeers(name, context) : undefined;
    this.input = new TriggerInput((pulse) => this.onPulse(pulse));
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

  /** Takes one frame per pulse of `source` from now on (exposure starting at the pulse); `undefined` stops. */
  followTrigger(source: TriggerSource | undefined): Promise<void> {
    return this.query('follow a trigger', () => this.input.follow(source));
  }

  /** Calls `listener` with every frame taken on a pulse, with its pulse. */
  onTriggered(listener: (acquisition: TriggeredAcquisition) => void): Unsubscribe {
    return this.input.on(listener);
  }

  /** Pulses missed (still exposing or reading out, or streaming) since the source was followed. */
  missedTriggers(): number {
    return this.input.missedCount;
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
    this.input.follow(undefined);
    await this.acquisition.close();
    await this.input.close();
  }

  /** A pulse: a frame from now, unless the sensor is busy (then the pulse is missed). */
  private onPulse(pulse: Pulse): Promise<TriggeredAcquisition> | undefined {
    if (!this.connected || this.acquisition.busy) return undefined;
    const release = this.beginActivity();
    return this.acquisition
      .acquire()
      .then((frame) => ({ pulse, startS: frame.timestampS - frame.exposureS, exposureS: frame.exposureS, value: frame }))
      .finally(release);
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
    const stage = this.options.stage === '' ? undefined : this.options.stage;
    return {
      exposureS,
      readoutS: this.options.readout_time,
      ...(stage === undefined ? {} : { midExposure: () => this.spotFromStage(stage) }),
      render: (startS, seen) => ({
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
            ...(seen === undefined ? {} : { spot: seen as { x: number; y: number } }),
          },
          this.random,
        ),
      }),
    };
  }

  /**
   * Where the stage puts the spot, unbinned sensor pixels: the camera looks at the aperture the
   * stage carries, so the spot moves along x by `pixels_per_unit` per stage unit and is at the
   * sensor centre when the stage is at `stage_centre`. Taken in the middle of the exposure (the
   * spot's smear over a moving exposure is left out: at 1 mm/s and 10 ms it is 0.2 px).
   */
  private async spotFromStage(name: string): Promise<{ x: number; y: number }> {
    const stage = this.peers?.get('stage', name, ['Movable'], isMovable);
    if (stage === undefined) throw new DaqError('failed_precondition', `${this.name}: its stage "${name}" cannot be looked up`, { device: this.name });
    const position = await stage.position();
    return {
      x: this.sensor.width / 2 + (position - this.options.stage_centre) * this.options.pixels_per_unit,
      y: this.sensor.height / 2,
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
  references: cameraReferences,
  create: (name, options, context) => new SimCamera(name, options, context),
});
