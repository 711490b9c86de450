/**
 * `photometrics-pvcam`: a Photometrics camera through the vendor's PVCAM library, called with
 * koffi (FFI). Nothing PVCAM is loaded until a lab with such a camera connects; a missing
 * library fails the connect with how to fix it. Each frame is one `pl_exp_setup_seq` (one
 * region with its binning, the exposure mode ORed with the camera's expose-out mode) +
 * `pl_exp_start_seq`, polled with `pl_exp_check_status` on the lab's clock, into a buffer the
 * driver owns. Binnings, exposure modes and the exposure resolution are the camera's own, read
 * at connect (`camera-features.ts`); temperatures are in hundredths of °C as PVCAM has them.
 * In the `strobed` and `trigger-first` modes an exposure waits for an edge on the camera's
 * trigger input; `followTrigger` pairs each frame with the pulse of the source wired to that
 * input (`pulse-window.ts`).
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
  ParameterValue,
  Pulse,
  Roi,
  RoiSelectable,
  Stoppable,
  Triggerable,
  TriggeredAcquisition,
  TriggerSource,
} from '../../capabilities/index.js';
import { type Clock, DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import { BaseDevice, requireInRange } from '../../devices/index.js';
import { type Binning, binningName, type CameraFeatures, type ExposureModeName, isExtendedMode, readFeatures } from './camera-features.js';
import type { PvcamOptions } from './options.js';
import { PulseWindow } from './pulse-window.js';
import { ATTR, loadPvcam, PARAM, STATUS, type PvcamApi } from './pvcam-api.js';
import { cameraSettings } from './settings.js';

interface Session {
  api: PvcamApi;
  hcam: number;
  features: CameraFeatures;
}

/** How one frame is started: its exposure mode, and what waits on it. */
interface Start {
  mode: ExposureModeName;
  /** Ends the wait (stop, disconnect): the exposure is aborted. */
  signal?: AbortSignal;
  /** Called once the camera is armed (`pl_exp_start_seq` returned). */
  onArmed?: () => void;
  /**
   * When the frame is late, `performance.now()` milliseconds (the library runs in real time
   * whatever the lab's clock); re-read at every poll.
   */
  deadline: () => number;
  /** The error when the deadline passes (default: a late frame in `mode`). */
  late?: () => DaqError;
}

/** A PVCAM camera. */
export class PvcamCamera
  extends BaseDevice
  implements FrameProducer, ExposureControl, Triggerable, HardwareTriggered, Cooled, RoiSelectable, Stoppable, Parameterized
{
  readonly driver = 'photometrics-pvcam';
  private readonly clock: Clock;
  private readonly options: PvcamOptions;
  private readonly frames = new Emitter<Frame>();
  private readonly triggered = new Emitter<TriggeredAcquisition>();
  private session: Session | undefined;
  /** The features of the last connection (a 1 x 1 sensor before the first): sizes stay known when disconnected. */
  private features: CameraFeatures | undefined;
  private exposureS: number;
  private region: Roi | undefined;
  private binning: Binning = { ser: 1, par: 1 };
  private mode: ExposureModeName = 'timed';
  private settings: Parameterized;
  private frameNumber = 0;
  private streaming: { controller: AbortController; done: Promise<void> } | undefined;
  private following: { controller: AbortController; done: Promise<void>; unsubscribe: Unsubscribe } | undefined;
  private readonly window = new PulseWindow();
  /** The sequence PVCAM is set up for (`pl_exp_setup_seq`), reused while region, binning, mode and exposure stay. */
  private prepared: { key: string; bytes: number } | undefined;
  /** One acquisition at a time: snaps, triggers, the stream and the trigger input take turns. */
  private acquiring: Promise<unknown> = Promise.resolve();

  constructor(name: string, options: PvcamOptions, clock: Clock) {
    super(name);
    this.clock = clock;
    this.options = options;
    this.exposureS = options.exposure;
    this.settings = this.makeSettings();
  }

  snap(): Promise<Frame> {
    return this.command('snap', () => this.requireFree('snap'), () => this.acquire(this.userStart(this.mode)));
  }

  startStream(count?: number): Promise<void> {
    const check = (): void => {
      this.requireFree('start a stream');
      if (this.streaming !== undefined) throw new DaqError('failed_precondition', `${this.name}: a stream is already running`, { device: this.name });
      if (count !== undefined && !(Number.isInteger(count) && count >= 1)) {
        throw new DaqError('invalid_argument', `${this.name}: frame count must be a positive integer, got ${count}`, { device: this.name });
      }
    };
    return this.command('start stream', check, async () => {
      const release = this.beginActivity();
      const controller = new AbortController();
      const done = (async () => {
        try {
          // trigger-first: the first frame waits for the edge, the next ones follow on the camera's timer.
          for (let n = 0; !controller.signal.aborted && (count === undefined || n < count); n++) {
            const mode = this.mode === 'trigger-first' && n > 0 ? 'timed' : this.mode;
            await this.acquire({ ...this.userStart(mode), signal: controller.signal });
          }
        } catch (error) {
          const stopped = error instanceof DaqError && error.code === 'cancelled';
          if (!stopped && (this.state === 'idle' || this.state === 'busy')) this.markFaulted(this.wrap(error, 'stream failed'));
        } finally {
          this.streaming = undefined;
          release();
        }
      })();
      this.streaming = { controller, done };
    });
  }

  async stopStream(): Promise<void> {
    const stream = this.streaming;
    if (stream === undefined) return;
    stream.controller.abort();
    await stream.done;
  }

  onFrame(listener: (frame: Frame) => void): Unsubscribe {
    return this.frames.on(listener);
  }

  /** The frame of the present region and binning: (s2 - s1 + 1) / sbin by (p2 - p1 + 1) / pbin (pvcam.h, `rgn_type`). */
  frameSize(): { width: number; height: number; dtype: FrameDtype } {
    return { ...binnedSize(this.currentRoi(), this.binning), dtype: 'uint16' };
  }

  setExposure(exposureS: number): Promise<void> {
    return this.command(
      'set exposure',
      () => requireInRange(this.name, 'exposure', exposureS, this.exposureRange(), 's'),
      async () => {
        this.exposureS = Math.round(exposureS * 1e6) / 1e6;
      },
    );
  }

  exposure(): Promise<number> {
    return this.query('read exposure', () => this.exposureS);
  }

  exposureRange(): Limits {
    return { min: this.options.exposure_min, max: this.options.exposure_max };
  }

  /** Checks the camera takes the present settings (`pl_exp_setup_seq`) so that `trigger()` starts at once. */
  arm(): Promise<void> {
    return this.command('arm', () => this.requireFree('arm'), async () => {
      this.prepare(this.mode);
    });
  }

  /** Acquires one frame in the present exposure mode (emitted to `onFrame` listeners); resolves once it has arrived. */
  trigger(): Promise<void> {
    return this.command('trigger', () => this.requireFree('trigger'), async () => {
      await this.acquire(this.userStart(this.mode));
    });
  }

  /**
   * Takes one frame per edge on the camera's trigger input, which is wired to `source`: the
   * camera waits in its edge-triggered mode (`strobed`) and each frame goes out with the pulse
   * that started it; pulses that come while it exposes or reads out are missed. `undefined` stops.
   */
  followTrigger(source: TriggerSource | undefined): Promise<void> {
    return this.query('follow a trigger', async () => {
      await this.stopFollowing();
      this.window.reset();
      if (source === undefined) return;
      this.requireFree('follow a trigger');
      const code = this.open().features.modes.get('strobed');
      if (code === undefined) {
        throw new DaqError('failed_precondition', `${this.name}: the camera lists no edge-triggered exposure mode (PARAM_EXPOSURE_MODE), so it cannot follow a trigger`, { device: this.name });
      }
      await this.startFollowing(source);
    });
  }

  onTriggered(listener: (acquisition: TriggeredAcquisition) => void): Unsubscribe {
    return this.triggered.on(listener);
  }

  missedTriggers(): number {
    return this.window.missedCount;
  }

  setTemperature(setpointC: number): Promise<void> {
    return this.command(
      'set temperature',
      () => requireInRange(this.name, 'setpoint', setpointC, this.temperatureRange(), '°C'),
      async () => {
        const { api, hcam } = this.open();
        api.setInt(hcam, PARAM.TEMP_SETPOINT, Math.round(setpointC * 100), 'int16');
      },
    );
  }

  temperatureSetpoint(): Promise<number> {
    return this.query('read setpoint', () => {
      const { api, hcam } = this.open();
      return api.getInt(hcam, PARAM.TEMP_SETPOINT, ATTR.CURRENT, 'int16') / 100;
    });
  }

  temperature(): Promise<number> {
    return this.query('read temperature', () => {
      const { api, hcam } = this.open();
      return api.getInt(hcam, PARAM.TEMP, ATTR.CURRENT, 'int16') / 100;
    });
  }

  temperatureRange(): Limits {
    return { ...(this.features?.setpointRange ?? { min: -25, max: 25 }) };
  }

  setRoi(roi: Roi): Promise<void> {
    return this.command(
      'set ROI',
      () => this.checkRoi(roi, this.binning),
      async () => {
        this.region = { x: roi.x, y: roi.y, width: roi.width, height: roi.height };
      },
    );
  }

  roi(): Promise<Roi> {
    return this.query('read ROI', () => ({ ...this.currentRoi() }));
  }

  sensorSize(): { width: number; height: number } {
    return { ...(this.features?.sensor ?? { width: 1, height: 1 }) };
  }

  /** Settings `exposure`, `binning` (the camera's own list, `SxP`) and `exposure_mode` (the modes the camera lists). */
  parameters() {
    return this.settings.parameters();
  }

  getParameter(name: string): Promise<ParameterValue> {
    return this.query(`read setting "${name}"`, () => this.settings.getParameter(name));
  }

  setParameter(name: string, value: ParameterValue): Promise<void> {
    return this.operation(`set "${name}"`, () => this.settings.setParameter(name, value));
  }

  /** Stops a stream and stops following a trigger (the camera's safe state); does nothing when not connected. */
  async stop(): Promise<void> {
    await this.stopStream();
    await this.stopFollowing();
  }

  protected async openConnection(signal: AbortSignal): Promise<void> {
    const api = await loadPvcam(this.options.library);
    signal.throwIfAborted();
    api.init();
    let hcam: number | undefined;
    try {
      const names = api.cameraNames();
      const name = this.options.camera ?? names[0];
      if (name === undefined) throw new DaqError('unavailable', 'PVCAM finds no camera: is it powered and connected?');
      if (!names.includes(name)) throw new DaqError('not_found', `PVCAM has no camera "${name}" (cameras: ${names.join(', ') || 'none'})`);
      hcam = api.open(name);
      const features = readFeatures(api, hcam);
      if (this.options.temperature !== undefined) {
        requireInRange(this.name, 'setpoint', this.options.temperature, features.setpointRange, '°C');
        api.setInt(hcam, PARAM.TEMP_SETPOINT, Math.round(this.options.temperature * 100), 'int16');
      }
      this.session = { api, hcam, features };
      this.features = features;
      this.prepared = undefined;
      // Region, binning and mode set before survive the reconnect when this camera takes them.
      if (this.region !== undefined && !fits(this.region, features.sensor)) this.region = undefined;
      if (!features.binnings.some((b) => sameBinning(b, this.binning)) || binnedSize(this.currentRoi(), this.binning).width === 0) this.binning = { ser: 1, par: 1 };
      if (!features.modes.has(this.mode)) this.mode = 'timed';
      this.settings = this.makeSettings();
      this.frameNumber = 0;
    } catch (error) {
      if (hcam !== undefined) api.close(hcam);
      this.session = undefined;
      api.uninit();
      throw error;
    }
  }

  protected async closeConnection(): Promise<void> {
    await this.stopStream();
    await this.stopFollowing();
    this.window.reset();
    await this.acquiring;
    const session = this.session;
    this.session = undefined;
    if (session === undefined) return;
    session.api.abort(session.hcam);
    session.api.close(session.hcam);
    session.api.uninit();
  }

  private makeSettings(): Parameterized {
    return cameraSettings(this.name, {
      exposureRange: this.exposureRange(),
      binnings: this.features?.binnings,
      modes: this.features === undefined ? undefined : [...this.features.modes.keys()],
      exposure: () => this.exposureS,
      setExposure: (s) => this.setExposure(s),
      binning: () => this.binning,
      setBinning: (binning) => {
        this.checkRoi(this.currentRoi(), binning);
        this.binning = binning;
      },
      mode: () => this.mode,
      setMode: (mode) => {
        if (this.following !== undefined) throw new DaqError('failed_precondition', `${this.name}: setting "exposure_mode" cannot change while following a trigger`, { device: this.name });
        this.mode = mode;
      },
    });
  }

  private open(): Session {
    if (this.session === undefined) throw new DaqError('failed_precondition', `${this.name}: not connected`, { device: this.name });
    return this.session;
  }

  private currentRoi(): Roi {
    return this.region ?? { x: 0, y: 0, ...this.sensorSize() };
  }

  private requireFree(what: string): void {
    if (this.following !== undefined) {
      throw new DaqError('failed_precondition', `${this.name}: cannot ${what} while following a trigger; call followTrigger(undefined) first`, { device: this.name });
    }
  }

  /** A snap's, trigger's or stream frame's start: a triggered mode waits up to `trigger_timeout` for the edge. */
  private userStart(mode: ExposureModeName): Start {
    const wait = mode === 'timed' ? 0 : this.options.trigger_timeout;
    const deadline = performance.now() + (wait + this.exposureS + this.options.readout_timeout) * 1000;
    return { mode, deadline: () => deadline };
  }

  private async startFollowing(source: TriggerSource): Promise<void> {
    const controller = new AbortController();
    let armed: () => void = () => undefined;
    const firstArmed = new Promise<void>((resolve) => (armed = resolve));
    let release: (() => void) | undefined;
    /** When the pulse that started the exposure under way came, `performance.now()` ms. */
    let startedMs: number | undefined;
    const unsubscribe = source.onPulse((pulse) => {
      const first = this.window.started === undefined;
      this.window.onPulse(pulse);
      if (first && this.window.started !== undefined) {
        startedMs = performance.now();
        release ??= this.beginActivity();
      }
    });
    const start: Start = {
      mode: 'strobed',
      signal: controller.signal,
      onArmed: () => {
        this.window.arm();
        startedMs = undefined;
        armed();
      },
      // No deadline until a pulse has started an exposure.
      deadline: () => (startedMs === undefined ? Infinity : startedMs + (this.exposureS + this.options.readout_timeout) * 1000),
      late: () =>
        new DaqError('deadline_exceeded', `${this.name}: the trigger source pulsed but no frame came ${this.options.readout_timeout} s after a ${this.exposureS} s exposure: is the camera's trigger input wired to it?`, { device: this.name }),
    };
    const done = (async () => {
      try {
        while (!controller.signal.aborted) {
          const taken: { pulse?: Pulse } = {};
          let frame: Frame;
          try {
            // The frame's pulse is taken as it is read out, before the camera is armed again.
            frame = await this.acquire(start, (f) => this.withPulse(f, taken));
          } finally {
            release?.();
            release = undefined;
          }
          const { pulse } = taken;
          if (pulse !== undefined) this.triggered.emit({ pulse, startS: pulse.timeS, exposureS: frame.exposureS, value: frame });
        }
      } catch (error) {
        this.window.disarm();
        const stopped = error instanceof DaqError && error.code === 'cancelled';
        if (!stopped && (this.state === 'idle' || this.state === 'busy')) this.markFaulted(this.wrap(error, 'following the trigger failed'));
      } finally {
        armed();
      }
    })();
    this.following = { controller, done, unsubscribe };
    await firstArmed;
  }

  /** A frame read out while following: its pulse (the first since the camera was armed) goes to `taken`, and the frame is timed from it. */
  private withPulse(frame: Frame, taken: { pulse?: Pulse }): Frame {
    const pulse = this.window.take();
    if (pulse === undefined) return frame;
    taken.pulse = pulse;
    return { ...frame, timestampS: pulse.timeS + frame.exposureS };
  }

  private async stopFollowing(): Promise<void> {
    const following = this.following;
    if (following === undefined) return;
    this.following = undefined;
    following.unsubscribe();
    following.controller.abort();
    await following.done;
  }

  /** Takes one frame, after any acquisition under way, and emits it. */
  private acquire(start: Start, finish: (frame: Frame) => Frame = (f) => f): Promise<Frame> {
    const next = this.acquiring.then(() => this.acquireNow(start, finish), () => this.acquireNow(start, finish));
    this.acquiring = next.catch(() => undefined);
    return next;
  }

  private async acquireNow(start: Start, finish: (frame: Frame) => Frame): Promise<Frame> {
    const { api, hcam, features } = this.open();
    start.signal?.throwIfAborted();
    const { width, height } = this.frameSize();
    const units = this.exposureUnits(features);
    const bytes = this.prepare(start.mode);
    if (bytes !== width * height * 2) throw new DaqError('internal', `${this.name}: PVCAM wants ${bytes} bytes for a ${width} x ${height} frame`);
    // PVCAM reads out straight into the frame's pixels: no copy per frame.
    const data = new Uint16Array(width * height);
    const buffer = Buffer.from(data.buffer, data.byteOffset, bytes);
    api.start(hcam, buffer);
    start.onArmed?.();
    try {
      for (;;) {
        if (start.signal?.aborted === true) throw new DaqError('cancelled', `${this.name}: acquisition stopped`, { device: this.name });
        const status = api.status(hcam);
        if (status === STATUS.READOUT_COMPLETE) break;
        if (status === STATUS.READOUT_FAILED) throw new DaqError('internal', `${this.name}: PVCAM reports the readout failed`);
        if (status === STATUS.READOUT_NOT_ACTIVE) throw new DaqError('internal', `${this.name}: PVCAM reports no acquisition under way`);
        if (performance.now() > start.deadline()) throw start.late?.() ?? this.late(start.mode);
        await this.clock.sleep(this.options.poll_interval);
      }
    } catch (error) {
      api.abort(hcam);
      this.prepared = undefined;
      throw error;
    }
    api.finish(hcam, buffer);
    const exposureS = units * features.exposureUnitS;
    const frame = finish({ data, dtype: 'uint16', width, height, frameNumber: this.frameNumber++, timestampS: this.clock.now(), exposureS });
    this.frames.emit(frame);
    return frame;
  }

  private late(mode: ExposureModeName): DaqError {
    const why = mode === 'timed' ? '' : ` (exposure_mode "${mode}": no edge on the trigger input within trigger_timeout = ${this.options.trigger_timeout} s?)`;
    return new DaqError('deadline_exceeded', `${this.name}: no frame ${this.options.readout_timeout} s after a ${this.exposureS} s exposure${why}`);
  }

  /** Sets PVCAM up for the present region, binning, exposure and `mode` unless it already is; returns the frame's bytes. */
  private prepare(mode: ExposureModeName): number {
    const { api, hcam, features } = this.open();
    const code = features.modes.get(mode);
    if (code === undefined) throw new DaqError('failed_precondition', `${this.name}: the camera lists no "${mode}" exposure mode`, { device: this.name });
    const pvcamMode = isExtendedMode(code) ? code | features.exposeOut : code;
    const region = this.pvcamRegion();
    const units = this.exposureUnits(features);
    const key = `${JSON.stringify(region)} ${pvcamMode} ${units}`;
    if (this.prepared?.key !== key) this.prepared = { key, bytes: api.setupSequence(hcam, region, pvcamMode, units) };
    return this.prepared.bytes;
  }

  /** The exposure in the camera's unit (µs or ms, selected at connect), at least 1. */
  private exposureUnits(features: CameraFeatures): number {
    return Math.max(1, Math.round(this.exposureS / features.exposureUnitS));
  }

  /** The region in PVCAM's terms; the last partial bin of a row or column is left out (as PyVCAM's `RegionOfInterest` does). */
  private pvcamRegion() {
    const roi = this.currentRoi();
    const { ser, par } = this.binning;
    const width = Math.floor(roi.width / ser) * ser;
    const height = Math.floor(roi.height / par) * par;
    return { s1: roi.x, s2: roi.x + width - 1, sbin: ser, p1: roi.y, p2: roi.y + height - 1, pbin: par };
  }

  private checkRoi(roi: Roi, binning: Binning): void {
    const sensor = this.sensorSize();
    const whole = [roi.x, roi.y, roi.width, roi.height].every(Number.isInteger);
    if (!whole) throw new DaqError('invalid_argument', `${this.name}: a region is whole pixels, got ${JSON.stringify(roi)}`, { device: this.name });
    if (!fits(roi, sensor)) {
      throw new DaqError('out_of_range', `${this.name}: region ${JSON.stringify(roi)} is empty or leaves the ${sensor.width} x ${sensor.height} sensor`, { device: this.name });
    }
    const size = binnedSize(roi, binning);
    if (size.width === 0 || size.height === 0) {
      throw new DaqError('out_of_range', `${this.name}: binning ${binningName(binning)} leaves no pixel of the ${roi.width} x ${roi.height} region ${JSON.stringify(roi)}`, { device: this.name });
    }
  }
}

/** The image of `roi` binned by `binning`: whole bins only. */
function binnedSize(roi: Roi, binning: Binning): { width: number; height: number } {
  return { width: Math.floor(roi.width / binning.ser), height: Math.floor(roi.height / binning.par) };
}

function sameBinning(a: Binning, b: Binning): boolean {
  return a.ser === b.ser && a.par === b.par;
}

function fits(roi: Roi, sensor: { width: number; height: number }): boolean {
  return roi.width > 0 && roi.height > 0 && roi.x >= 0 && roi.y >= 0 && roi.x + roi.width <= sensor.width && roi.y + roi.height <= sensor.height;
}
