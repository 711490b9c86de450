/**
 * `photometrics-pvcam`: a Photometrics camera through the vendor's PVCAM library, called with
 * koffi (FFI). Nothing PVCAM is loaded until a lab with such a camera connects; a missing
 * library fails the connect with how to fix it. Each frame is one `pl_exp_setup_seq` +
 * `pl_exp_start_seq` in timed mode (a software trigger), polled with `pl_exp_check_status` on
 * the lab's clock, into a buffer the driver owns; exposures are set in microseconds
 * (`PARAM_EXP_RES_INDEX`), temperatures in hundredths of °C as PVCAM has them.
 */
import type { Cooled, ExposureControl, Frame, FrameProducer, FrameDtype, Limits, Roi, RoiSelectable, Stoppable, Triggerable } from '../../capabilities/index.js';
import { type Clock, DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import { BaseDevice, requireInRange } from '../../devices/index.js';
import type { PvcamOptions } from './options.js';
import { ATTR, EXP_RES_ONE_MICROSEC, loadPvcam, PARAM, STATUS, type PvcamApi } from './pvcam-api.js';

interface Session {
  api: PvcamApi;
  hcam: number;
  sensor: { width: number; height: number };
  setpointRange: Limits;
}

/** A PVCAM camera. */
export class PvcamCamera extends BaseDevice implements FrameProducer, ExposureControl, Triggerable, Cooled, RoiSelectable, Stoppable {
  readonly driver = 'photometrics-pvcam';
  private readonly clock: Clock;
  private readonly options: PvcamOptions;
  private readonly frames = new Emitter<Frame>();
  private session: Session | undefined;
  /** The sensor of the last connection (1 x 1 before the first): sizes stay known when disconnected. */
  private sensor = { width: 1, height: 1 };
  private exposureS: number;
  private region: Roi | undefined;
  private frameNumber = 0;
  private streaming: { stop: boolean; done: Promise<void> } | undefined;
  /** The sequence PVCAM is set up for (`pl_exp_setup_seq`), reused while region and exposure stay. */
  private prepared: { key: string; bytes: number } | undefined;
  /** One acquisition at a time: snaps, triggers and the stream take turns. */
  private acquiring: Promise<unknown> = Promise.resolve();

  constructor(name: string, options: PvcamOptions, clock: Clock) {
    super(name);
    this.clock = clock;
    this.options = options;
    this.exposureS = options.exposure;
  }

  snap(): Promise<Frame> {
    return this.operation('snap', () => this.acquire());
  }

  async startStream(count?: number): Promise<void> {
    this.requireConnected('start a stream');
    if (this.streaming !== undefined) throw new DaqError('failed_precondition', `${this.name}: a stream is already running`, { device: this.name });
    const release = this.beginActivity();
    const stream = { stop: false, done: Promise.resolve() };
    stream.done = (async () => {
      try {
        for (let n = 0; !stream.stop && (count === undefined || n < count); n++) await this.acquire();
      } catch (error) {
        if (this.state === 'idle' || this.state === 'busy') this.markFaulted(this.wrap(error, 'stream failed'));
      } finally {
        this.streaming = undefined;
        release();
      }
    })();
    this.streaming = stream;
  }

  async stopStream(): Promise<void> {
    const stream = this.streaming;
    if (stream === undefined) return;
    stream.stop = true;
    await stream.done;
  }

  onFrame(listener: (frame: Frame) => void): Unsubscribe {
    return this.frames.on(listener);
  }

  frameSize(): { width: number; height: number; dtype: FrameDtype } {
    const roi = this.region ?? { x: 0, y: 0, ...this.sensor };
    return { width: roi.width, height: roi.height, dtype: 'uint16' };
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
    return this.operation('arm', async () => {
      this.prepare();
    });
  }

  /** Acquires one frame (emitted to `onFrame` listeners); resolves once it has arrived. */
  trigger(): Promise<void> {
    return this.operation('trigger', async () => {
      await this.acquire();
    });
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
    return { ...(this.session?.setpointRange ?? { min: -25, max: 25 }) };
  }

  setRoi(roi: Roi): Promise<void> {
    return this.command(
      'set ROI',
      () => this.checkRoi(roi),
      async () => {
        this.region = { x: roi.x, y: roi.y, width: roi.width, height: roi.height };
      },
    );
  }

  roi(): Promise<Roi> {
    return this.query('read ROI', () => ({ ...(this.region ?? { x: 0, y: 0, ...this.sensorSize() }) }));
  }

  sensorSize(): { width: number; height: number } {
    return { ...this.sensor };
  }

  /** Stops a stream (the camera's safe state); does nothing when not connected. */
  async stop(): Promise<void> {
    await this.stopStream();
  }

  protected async openConnection(signal: AbortSignal): Promise<void> {
    const api = await loadPvcam(this.options.library);
    signal.throwIfAborted();
    api.init();
    try {
      const names = api.cameraNames();
      const name = this.options.camera ?? names[0];
      if (name === undefined) throw new DaqError('unavailable', 'PVCAM finds no camera: is it powered and connected?');
      if (!names.includes(name)) throw new DaqError('not_found', `PVCAM has no camera "${name}" (cameras: ${names.join(', ') || 'none'})`);
      const hcam = api.open(name);
      const sensor = {
        width: api.getInt(hcam, PARAM.SER_SIZE, ATTR.CURRENT, 'uint16'),
        height: api.getInt(hcam, PARAM.PAR_SIZE, ATTR.CURRENT, 'uint16'),
      };
      const setpointRange = {
        min: api.getInt(hcam, PARAM.TEMP_SETPOINT, ATTR.MIN, 'int16') / 100,
        max: api.getInt(hcam, PARAM.TEMP_SETPOINT, ATTR.MAX, 'int16') / 100,
      };
      api.setInt(hcam, PARAM.EXP_RES_INDEX, EXP_RES_ONE_MICROSEC, 'uint16');
      this.session = { api, hcam, sensor, setpointRange };
      this.prepared = undefined;
      this.sensor = sensor;
      if (this.region !== undefined && !fits(this.region, sensor)) this.region = undefined;
      if (this.options.temperature !== undefined) {
        requireInRange(this.name, 'setpoint', this.options.temperature, setpointRange, '°C');
        api.setInt(hcam, PARAM.TEMP_SETPOINT, Math.round(this.options.temperature * 100), 'int16');
      }
      this.frameNumber = 0;
    } catch (error) {
      if (this.session !== undefined) api.close(this.session.hcam);
      this.session = undefined;
      api.uninit();
      throw error;
    }
  }

  protected async closeConnection(): Promise<void> {
    await this.stopStream();
    await this.acquiring;
    const session = this.session;
    this.session = undefined;
    if (session === undefined) return;
    session.api.abort(session.hcam);
    session.api.close(session.hcam);
    session.api.uninit();
  }

  private open(): Session {
    if (this.session === undefined) throw new DaqError('failed_precondition', `${this.name}: not connected`, { device: this.name });
    return this.session;
  }

  /** Takes one frame, after any acquisition under way, and emits it. */
  private acquire(): Promise<Frame> {
    const next = this.acquiring.then(() => this.acquireNow(), () => this.acquireNow());
    this.acquiring = next.catch(() => undefined);
    return next;
  }

  private async acquireNow(): Promise<Frame> {
    const { api, hcam } = this.open();
    const { width, height } = this.frameSize();
    const exposureS = this.exposureS;
    const bytes = this.prepare();
    if (bytes !== width * height * 2) throw new DaqError('internal', `${this.name}: PVCAM wants ${bytes} bytes for a ${width} x ${height} frame`);
    // PVCAM reads out straight into the frame's pixels: no copy per frame.
    const data = new Uint16Array(width * height);
    const buffer = Buffer.from(data.buffer, data.byteOffset, bytes);
    api.start(hcam, buffer);
    const deadline = performance.now() + (exposureS + this.options.readout_timeout) * 1000;
    try {
      for (;;) {
        const status = api.status(hcam);
        if (status === STATUS.READOUT_COMPLETE) break;
        if (status === STATUS.READOUT_FAILED) throw new DaqError('internal', `${this.name}: PVCAM reports the readout failed`);
        if (status === STATUS.READOUT_NOT_ACTIVE) throw new DaqError('internal', `${this.name}: PVCAM reports no acquisition under way`);
        if (performance.now() > deadline) throw new DaqError('deadline_exceeded', `${this.name}: no frame ${this.options.readout_timeout} s after a ${exposureS} s exposure`);
        await this.clock.sleep(this.options.poll_interval);
      }
    } catch (error) {
      api.abort(hcam);
      this.prepared = undefined;
      throw error;
    }
    api.finish(hcam, buffer);
    const frame: Frame = { data, dtype: 'uint16', width, height, frameNumber: this.frameNumber++, timestampS: this.clock.now(), exposureS };
    this.frames.emit(frame);
    return frame;
  }

  /** Sets PVCAM up for the present region and exposure unless it already is; returns the frame's bytes. */
  private prepare(): number {
    const { api, hcam } = this.open();
    const region = this.pvcamRegion();
    const exposureUs = this.exposureUs();
    const key = `${JSON.stringify(region)} ${exposureUs}`;
    if (this.prepared?.key !== key) this.prepared = { key, bytes: api.setupSequence(hcam, region, exposureUs) };
    return this.prepared.bytes;
  }

  private exposureUs(): number {
    return Math.max(1, Math.round(this.exposureS * 1e6));
  }

  private pvcamRegion() {
    const roi = this.region ?? { x: 0, y: 0, ...this.open().sensor };
    return { s1: roi.x, s2: roi.x + roi.width - 1, sbin: 1, p1: roi.y, p2: roi.y + roi.height - 1, pbin: 1 };
  }

  private checkRoi(roi: Roi): void {
    const sensor = this.sensorSize();
    const whole = [roi.x, roi.y, roi.width, roi.height].every(Number.isInteger);
    if (!whole) throw new DaqError('invalid_argument', `${this.name}: a region is whole pixels, got ${JSON.stringify(roi)}`);
    if (!fits(roi, sensor)) {
      throw new DaqError('out_of_range', `${this.name}: region ${JSON.stringify(roi)} is empty or leaves the ${sensor.width} x ${sensor.height} sensor`, { device: this.name });
    }
  }
}

function fits(roi: Roi, sensor: { width: number; height: number }): boolean {
  return roi.width > 0 && roi.height > 0 && roi.x >= 0 && roi.y >= 0 && roi.x + roi.width <= sensor.width && roi.y + roi.height <= sensor.height;
}
