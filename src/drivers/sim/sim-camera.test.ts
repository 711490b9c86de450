import { describe, expect, it } from 'vitest';
import { capabilitiesOf, type Frame } from '../../capabilities/index.js';
import { VirtualClock } from '../../core/index.js';
import { BIAS_COUNTS, spotAt } from './camera-scene.js';
import { SimCamera } from './sim-camera.js';
import { simCameraOptions } from './sim-camera-options.js';
import { SIM_CONNECT_TIME_S } from './sim-device.js';

/** A small sensor keeps the tests fast. */
function makeCamera(clock: VirtualClock, options: Record<string, unknown> = {}): SimCamera {
  return new SimCamera('camera', simCameraOptions.parse({ width: 64, height: 48, ...options }), clock);
}

async function connected(options: Record<string, unknown> = {}): Promise<{ camera: SimCamera; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const camera = makeCamera(clock, options);
  await camera.connect(new AbortController().signal);
  return { camera, clock };
}

/** The brightest pixel: its value and position in frame pixels. */
function brightest(frame: Frame): { value: number; x: number; y: number } {
  let best = { value: -1, x: 0, y: 0 };
  frame.data.forEach((value, index) => {
    if (value > best.value) best = { value, x: index % frame.width, y: Math.floor(index / frame.width) };
  });
  return best;
}

describe('SimCamera', () => {
  it('has the camera capabilities', () => {
    expect(capabilitiesOf(makeCamera(new VirtualClock()))).toEqual([
      'Triggerable', 'FrameProducer', 'ExposureControl', 'Cooled', 'RoiSelectable', 'TemperatureSensor', 'Stoppable',
      'Parameterized', 'HardwareTriggered',
    ]);
  });

  it('refuses to snap before connect', async () => {
    await expect(makeCamera(new VirtualClock()).snap()).rejects.toMatchObject({ code: 'failed_precondition' });
  });

  it('snaps a 16-bit frame of the sensor size, taking exposure plus readout', async () => {
    const { camera, clock } = await connected({ exposure: 0.1, readout_time: 0.02 });
    const start = clock.now();
    const frame = await camera.snap();
    expect(clock.now() - start).toBeCloseTo(0.12, 5);
    expect(frame).toMatchObject({ dtype: 'uint16', width: 64, height: 48, frameNumber: 0, exposureS: 0.1 });
    expect(frame.data).toBeInstanceOf(Uint16Array);
    expect(frame.data).toHaveLength(64 * 48);
    expect(frame.timestampS - start).toBeCloseTo(0.1, 5);
  });

  it('shows the spot where the scene puts it, over a background near the bias', async () => {
    const { camera, clock } = await connected();
    const start = clock.now();
    const frame = await camera.snap();
    const spot = spotAt(64, 48, start + 0.005);
    const peak = brightest(frame);
    expect(Math.abs(peak.x + 0.5 - spot.x)).toBeLessThan(2);
    expect(Math.abs(peak.y + 0.5 - spot.y)).toBeLessThan(2);
    const corner = frame.data[0] as number;
    expect(corner).toBeGreaterThan(BIAS_COUNTS - 15);
    expect(corner).toBeLessThan(BIAS_COUNTS + 15);
  });

  it('makes the spot brighter in proportion to the exposure', async () => {
    const { camera } = await connected();
    const short = brightest(await camera.snap()).value - BIAS_COUNTS;
    await camera.setExposure(0.05);
    const long = brightest(await camera.snap()).value - BIAS_COUNTS;
    expect(long / short).toBeGreaterThan(4);
    expect(long / short).toBeLessThan(6);
  });

  it('reads out the ROI divided by the binning', async () => {
    const { camera } = await connected();
    await camera.setRoi({ x: 8, y: 4, width: 32, height: 16 });
    await camera.setParameter('binning', 2);
    expect(camera.frameSize()).toEqual({ width: 16, height: 8, dtype: 'uint16' });
    const frame = await camera.snap();
    expect([frame.width, frame.height, frame.data.length]).toEqual([16, 8, 128]);
    expect(await camera.roi()).toEqual({ x: 8, y: 4, width: 32, height: 16 });
  });

  it('refuses ROIs off the sensor, empty or fractional, and binning outside 1..4', async () => {
    const { camera } = await connected();
    for (const roi of [
      { x: 40, y: 0, width: 32, height: 16 },
      { x: 0, y: 0, width: 0, height: 16 },
      { x: 0.5, y: 0, width: 8, height: 8 },
      { x: -1, y: 0, width: 8, height: 8 },
    ]) {
      await expect(camera.setRoi(roi)).rejects.toMatchObject({ code: 'out_of_range', device: 'camera' });
    }
    await expect(camera.setParameter('binning', 8)).rejects.toMatchObject({ code: 'out_of_range' });
    await expect(camera.setBinning(0)).rejects.toMatchObject({ code: 'out_of_range' });
    await camera.setRoi({ x: 0, y: 0, width: 2, height: 2 });
    await expect(camera.setBinning(4)).rejects.toMatchObject({ code: 'out_of_range' }); // ROI smaller than a bin
    await camera.setRoi({ x: 0, y: 0, width: 64, height: 48 });
    expect(camera.frameSize()).toEqual({ width: 64, height: 48, dtype: 'uint16' });
    await expect(camera.setExposure(20)).rejects.toMatchObject({ code: 'out_of_range' });
  });

  it('a refused binning or region leaves the previous binning, region and frame size as they were', async () => {
    const { camera } = await connected();
    await camera.setParameter('binning', 2);
    await camera.setRoi({ x: 0, y: 0, width: 3, height: 3 });
    for (const binning of [4, 8, 0, 2.5]) {
      await expect(camera.setParameter('binning', binning)).rejects.toMatchObject({ device: 'camera' });
      expect(await camera.getParameter('binning'), `binning after refusing ${binning}`).toBe(2);
    }
    await expect(camera.setRoi({ x: 0, y: 0, width: 1, height: 1 })).rejects.toMatchObject({ code: 'out_of_range' });
    expect(await camera.roi()).toEqual({ x: 0, y: 0, width: 3, height: 3 });
    expect(camera.frameSize()).toEqual({ width: 1, height: 1, dtype: 'uint16' });
    const frame = await camera.snap();
    expect([frame.width, frame.height]).toEqual([1, 1]);
  });

  it('gives the same noise for the same seed and different noise for another', async () => {
    const a = await (await connected({ seed: 7 })).camera.snap();
    const b = await (await connected({ seed: 7 })).camera.snap();
    const c = await (await connected({ seed: 8 })).camera.snap();
    expect(b.data).toEqual(a.data);
    expect(c.data).not.toEqual(a.data);
  });

  it('trigger acquires a frame for listeners and lastFrame()', async () => {
    const { camera } = await connected();
    const seen: Frame[] = [];
    camera.onFrame((frame) => seen.push(frame));
    expect(camera.lastFrame()).toBeUndefined();
    await camera.arm();
    await camera.trigger();
    expect(seen).toHaveLength(1);
    expect(camera.lastFrame()).toBe(seen[0]);
  });

  it('streams a counted number of frames back to back, busy meanwhile', async () => {
    const { camera, clock } = await connected({ exposure: 0.01, readout_time: 0.005 });
    const frames: Frame[] = [];
    camera.onFrame((frame) => frames.push(frame));
    const start = clock.now();
    await camera.startStream(5);
    expect(camera.state).toBe('busy');
    await expect(camera.snap()).rejects.toMatchObject({ code: 'failed_precondition' });
    await expect(camera.startStream()).rejects.toMatchObject({ code: 'failed_precondition' });
    while (camera.state === 'busy') await clock.sleep(0.001);
    expect(frames.map((f) => f.frameNumber)).toEqual([0, 1, 2, 3, 4]);
    // Each frame takes 0.01 s of exposure and 0.005 s of readout.
    expect((frames[4]?.timestampS ?? 0) - start).toBeCloseTo(4 * 0.015 + 0.01, 5);
    expect(clock.now() - start).toBeLessThan(5 * 0.015 + 0.002);
    expect(camera.state).toBe('idle');
  });

  it('emits no frame after stopStream resolves', async () => {
    const { camera, clock } = await connected();
    let count = 0;
    camera.onFrame(() => count++);
    await camera.startStream();
    await clock.sleep(0.1);
    await camera.stop();
    const stoppedAt = count;
    expect(stoppedAt).toBeGreaterThan(3);
    await clock.sleep(1);
    expect(count).toBe(stoppedAt);
    expect(camera.state).toBe('idle');
  });

  it('ends a stream on disconnect and numbers frames from 0 again after reconnecting', async () => {
    const { camera, clock } = await connected();
    await camera.startStream();
    await clock.sleep(0.1);
    await camera.disconnect();
    expect(camera.state).toBe('disconnected');
    const last = camera.lastFrame()?.frameNumber ?? 0;
    expect(last).toBeGreaterThan(2);
    await clock.sleep(1);
    expect(camera.lastFrame()?.frameNumber).toBe(last);
    await camera.connect(new AbortController().signal);
    expect((await camera.snap()).frameNumber).toBe(0);
    expect(camera.state).toBe('idle');
  });

  it('cools towards the setpoint with the time constant', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const camera = makeCamera(clock, { temperature_ambient: 20, cooling_time_constant: 30 });
    const connecting = camera.connect(new AbortController().signal);
    await clock.advance(SIM_CONNECT_TIME_S);
    await connecting;
    expect(await camera.temperature()).toBe(20);
    await camera.setTemperature(-20);
    expect(await camera.temperatureSetpoint()).toBe(-20);
    await clock.advance(30);
    // After one time constant: 63 % of the way, -20 + 40 / e.
    expect(await camera.temperature()).toBeCloseTo(-20 + 40 / Math.E, 9);
    await clock.advance(120);
    expect(await camera.temperature()).toBeCloseTo(-20 + 40 * Math.exp(-5), 9);
    await expect(camera.setTemperature(-100)).rejects.toMatchObject({ code: 'out_of_range' });
  });
});
