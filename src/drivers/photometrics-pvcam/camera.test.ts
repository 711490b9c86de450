/**
 * The PVCAM driver through koffi against a fake libpvcam.so, compiled here from
 * `fake/fake-pvcam.c` with gcc, so the FFI path really runs: the conformance suites of every
 * capability (the camera's trigger input wired to the source it follows by a "cable" made
 * here), binning, region and exposure modes checked against the numbers of the public
 * pvcam.h (written out below, never taken from the driver), and clear messages when the
 * library is missing or a setting is refused.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceFor, connectHarness, expectDaqError } from '../../conformance/index.js';
import { type Frame, isFrameProducer, isHardwareTriggered, isParameterized, isRoiSelectable, type TriggerSource } from '../../capabilities/index.js';
import { createSystemClock, type Unsubscribe } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import { makeDevice } from '../common/wire-harness.fixture.js';
import { buildFakePvcam } from './fake-library.fixture.js';
import { pvcamDriver } from './index.js';

const fake = buildFakePvcam();
const { library, dir } = fake;
const options = (): Record<string, unknown> => ({ library, exposure: 0.001, exposure_min: 1e-4, exposure_max: 0.1 });

// From the public pvcam.h (Photometrics/PyVCAM pvcam-sdk/linux/include/pvcam.h), not from the driver.
const TIMED_MODE = 0;
const STROBED_MODE = 1;
const TRIGGER_FIRST_MODE = 3;
const EXT_TRIG_INTERNAL = (7 + 0) << 8;
const EXT_TRIG_TRIG_FIRST = (7 + 1) << 8;
const EXT_TRIG_EDGE_RISING = (7 + 2) << 8;
/** The fake camera's expose-out mode at power-up: EXPOSE_OUT_ROLLING_SHUTTER. */
const EXPOSE_OUT_ROLLING_SHUTTER = 3;

/**
 * The camera with a cable from its trigger input to the source it is told to follow: each
 * pulse of that source is an edge on the fake's input, as the wire would carry it.
 */
function cabled(device: Device): Device {
  let cable: Unsubscribe | undefined;
  return new Proxy(device, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'followTrigger') {
        return (source: TriggerSource | undefined) => {
          cable?.();
          cable = source?.onPulse(() => fake.trigger());
          return (value as (s: TriggerSource | undefined) => Promise<void>).call(target, source);
        };
      }
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

conformanceFor('photometrics-pvcam on a fake libpvcam.so', () => {
  const clock = createSystemClock();
  return connectHarness(clock, cabled(makeDevice(pvcamDriver, 'camera', options(), clock)));
});

/** A connected camera with every capability checked, disconnected after the test. */
/** A trigger source whose pulses the test fires by calling its `listeners`. */
function handFiredSource(): { source: TriggerSource; listeners: Set<(p: { index: number; timeS: number }) => void> } {
  const listeners = new Set<(p: { index: number; timeS: number }) => void>();
  const source: TriggerSource = {
    setPulseTrain: async () => undefined,
    startPulses: async () => undefined,
    stopPulses: async () => undefined,
    waitPulses: async () => undefined,
    onPulse: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { source, listeners };
}

async function camera(extra: Record<string, unknown> = {}) {
  const device = makeDevice(pvcamDriver, 'camera', { ...options(), ...extra });
  if (!isFrameProducer(device) || !isRoiSelectable(device) || !isParameterized(device) || !isHardwareTriggered(device)) throw new Error('not a PVCAM camera');
  await device.connect(new AbortController().signal);
  opened.push(device);
  return device;
}
const opened: Device[] = [];
afterEach(async () => {
  for (const device of opened.splice(0)) await device.disconnect();
  fake.legacyModes(0);
  fake.millisecondOnly(0);
});

/** What the fake writes at sensor pixel (x, y), less the frame count: 100 + x + 10 y. */
const pixel = (x: number, y: number): number => 100 + x + 10 * y;

/** The pixels of `frame` less the frame count the fake adds to each sensor pixel (`binned` of them per image pixel). */
function withoutCount(frame: Frame, expectedFirst: number, binned: number): number[] {
  const count = ((frame.data[0] ?? 0) - expectedFirst) / binned;
  expect(Number.isInteger(count), 'the same frame count in every pixel').toBe(true);
  return Array.from(frame.data, (v) => v - count * binned);
}

describe('photometrics-pvcam', () => {
  it('reads out the region set, pixel for pixel as the library wrote them', async () => {
    const cam = await camera();
    expect(cam.sensorSize()).toEqual({ width: 64, height: 48 });
    await cam.setRoi({ x: 10, y: 20, width: 4, height: 2 });
    const frame = await cam.snap();
    expect([frame.width, frame.height, frame.frameNumber]).toEqual([4, 2, 0]);
    expect(withoutCount(frame, pixel(10, 20), 1)).toEqual([310, 311, 312, 313, 320, 321, 322, 323]);
  });

  it('offers the binnings the camera lists, and a binned frame is the sum of its sensor pixels, serial x parallel', async () => {
    const cam = await camera();
    const binning = cam.parameters().find((p) => p.name === 'binning');
    expect(binning?.choices).toEqual(['1x1', '2x2', '4x4', '4x2']);
    await cam.setParameter('binning', '4x2');
    expect(await cam.getParameter('binning')).toBe('4x2');
    expect(cam.frameSize()).toEqual({ width: 16, height: 24, dtype: 'uint16' });
    // 10 px wide by 5 high from (8, 4): two whole bins of 4 across, two of 2 down; the rest is left out.
    await cam.setRoi({ x: 8, y: 4, width: 10, height: 5 });
    expect(cam.frameSize()).toEqual({ width: 2, height: 2, dtype: 'uint16' });
    const frame = await cam.snap();
    expect([frame.width, frame.height, frame.data.length]).toEqual([2, 2, 4]);
    const bin = (x0: number, y0: number): number => {
      let sum = 0;
      for (let y = y0; y < y0 + 2; y++) for (let x = x0; x < x0 + 4; x++) sum += pixel(x, y);
      return sum;
    };
    expect(withoutCount(frame, bin(8, 4), 8)).toEqual([bin(8, 4), bin(12, 4), bin(8, 6), bin(12, 6)]);
  });

  it('refuses a binning the camera does not list, or one that leaves no pixel of the region, naming the setting and keeping the one before', async () => {
    const cam = await camera();
    await cam.setParameter('binning', '2x2');
    const unlisted = await expectDaqError(cam.setParameter('binning', '3x3'), 'invalid_argument', 'binning 3x3');
    expect(unlisted.message).toBe('camera: setting "binning": expected one of "1x1", "2x2", "4x4", "4x2", got "3x3"');
    await cam.setRoi({ x: 0, y: 0, width: 3, height: 40 });
    const tooBig = await expectDaqError(cam.setParameter('binning', '4x4'), 'out_of_range', 'binning 4x4 of a 3 px wide region');
    expect(tooBig.message).toContain('binning 4x4 leaves no pixel of the 3 x 40 region');
    expect(await cam.getParameter('binning')).toBe('2x2');
    await expectDaqError(cam.setRoi({ x: 0, y: 0, width: 1, height: 40 }), 'out_of_range', 'a 1 px wide region at 2x2');
    expect(await cam.roi()).toEqual({ x: 0, y: 0, width: 3, height: 40 });
    expect((await cam.snap()).width).toBe(1);
  });

  it('sets the sequence up in the camera\'s extended modes, ORed with its own expose-out mode', async () => {
    const cam = await camera();
    expect(cam.parameters().find((p) => p.name === 'exposure_mode')?.choices).toEqual(['timed', 'trigger-first', 'strobed']);
    await cam.snap();
    expect(fake.lastMode()).toBe(EXT_TRIG_INTERNAL | EXPOSE_OUT_ROLLING_SHUTTER);
    await cam.setParameter('exposure_mode', 'strobed');
    const snapped = cam.snap();
    await until(() => fake.lastMode() === (EXT_TRIG_EDGE_RISING | EXPOSE_OUT_ROLLING_SHUTTER), 'the strobed sequence set up');
    let done = false;
    void snapped.then(() => (done = true));
    await createSystemClock().sleep(0.1);
    expect(done, 'a strobed snap waits for the edge').toBe(false);
    fake.trigger();
    expect((await snapped).width).toBe(64);
  });

  it('uses the legacy modes on a camera that lists only those, and offers none it lacks', async () => {
    fake.legacyModes(1);
    const cam = await camera();
    await cam.snap();
    expect(fake.lastMode()).toBe(TIMED_MODE);
    await cam.setParameter('exposure_mode', 'trigger-first');
    const snapped = cam.snap();
    await until(() => fake.lastMode() === TRIGGER_FIRST_MODE, 'the trigger-first sequence set up');
    fake.trigger();
    await snapped;
    await cam.setParameter('exposure_mode', 'strobed');
    const strobed = cam.snap();
    await until(() => fake.lastMode() === STROBED_MODE, 'the strobed sequence set up');
    fake.trigger();
    await strobed;
  });

  it('in trigger-first mode a stream waits for one edge, then runs on the camera\'s timer', async () => {
    const cam = await camera();
    await cam.setParameter('exposure_mode', 'trigger-first');
    const frames: Frame[] = [];
    const off = cam.onFrame((frame) => frames.push(frame));
    try {
      await cam.startStream(3);
      await until(() => fake.lastMode() === (EXT_TRIG_TRIG_FIRST | EXPOSE_OUT_ROLLING_SHUTTER), 'the trigger-first sequence set up');
      await createSystemClock().sleep(0.1);
      expect(frames).toHaveLength(0);
      fake.trigger();
      await until(() => frames.length === 3, 'three frames after one edge');
      expect(fake.lastMode()).toBe(EXT_TRIG_INTERNAL | EXPOSE_OUT_ROLLING_SHUTTER);
    } finally {
      off();
    }
  });

  it('a triggered snap with no edge fails after trigger_timeout, saying so, and the camera works on', async () => {
    const cam = await camera({ trigger_timeout: 0.2, readout_timeout: 0.2 });
    await cam.setParameter('exposure_mode', 'strobed');
    const error = await expectDaqError(cam.snap(), 'deadline_exceeded', 'a strobed snap without an edge');
    expect(error.message).toContain('exposure_mode "strobed": no edge on the trigger input within trigger_timeout = 0.2 s?');
    await cam.setParameter('exposure_mode', 'timed');
    expect((await cam.snap()).width).toBe(64);
  });

  it('follows a trigger source: a frame per edge, timed from its pulse; edges while busy are missed and counted', async () => {
    const cam = await camera({ exposure: 0.05, exposure_max: 1 });
    const clock = createSystemClock();
    const { source, listeners: pulses } = handFiredSource();
    const fire = (index: number): void => {
      const pulse = { index, timeS: clock.now() };
      fake.trigger(); // the cable
      for (const listener of pulses) listener(pulse);
    };
    const got: { index: number; startS: number; timestampS: number }[] = [];
    const off = cam.onTriggered((a) => got.push({ index: a.pulse.index, startS: a.startS, timestampS: (a.value as Frame).timestampS }));
    try {
      await cam.followTrigger(source);
      expect(fake.lastMode()).toBe(EXT_TRIG_EDGE_RISING | EXPOSE_OUT_ROLLING_SHUTTER);
      const ignoredBefore = fake.ignoredEdges();
      fire(0);
      fire(1); // during the 50 ms exposure: the camera ignores it
      await until(() => got.length === 1, 'the frame of pulse 0');
      expect(fake.ignoredEdges() - ignoredBefore).toBe(1);
      expect(cam.missedTriggers()).toBe(1);
      expect(got[0]?.index).toBe(0);
      expect(got[0]?.timestampS).toBeCloseTo((got[0]?.startS ?? 0) + 0.05, 6);
      await expectDaqError(cam.snap(), 'failed_precondition', 'a snap while following');
      await cam.followTrigger(undefined);
      fire(2);
      await clock.sleep(0.2);
      expect(got).toHaveLength(1);
    } finally {
      off();
    }
  });

  it('faults, saying why, when the source pulses but no edge reaches the camera', async () => {
    const cam = await camera({ readout_timeout: 0.2 });
    const { source, listeners } = handFiredSource();
    await cam.followTrigger(source);
    for (const listener of listeners) listener({ index: 0, timeS: createSystemClock().now() }); // no cable: no edge
    await until(() => cam.state === 'faulted', 'the fault');
    expect(cam.fault?.message).toMatch(/the trigger source pulsed but no frame came 0.2 s after .*: is the camera's trigger input wired to it\?/);
  });

  it('exposes in microseconds where the camera lists them, else in milliseconds, and says what it exposed', async () => {
    const micro = await camera({ exposure: 0.0015 });
    expect((await micro.snap()).exposureS).toBeCloseTo(0.0015, 9);
    expect(fake.lastExposure()).toBe(1500);
    await micro.disconnect();
    fake.millisecondOnly(1);
    const milli = await camera({ exposure: 0.0015 });
    expect((await milli.snap()).exposureS).toBeCloseTo(0.002, 9);
    expect(fake.lastExposure()).toBe(2);
  });

  it('keeps binning, region and mode across a reconnect', async () => {
    const cam = await camera();
    await cam.setParameter('binning', '2x2');
    await cam.setParameter('exposure_mode', 'trigger-first');
    await cam.setRoi({ x: 4, y: 4, width: 20, height: 10 });
    await cam.disconnect();
    await cam.connect(new AbortController().signal);
    expect([await cam.getParameter('binning'), await cam.getParameter('exposure_mode')]).toEqual(['2x2', 'trigger-first']);
    expect(cam.frameSize()).toEqual({ width: 10, height: 5, dtype: 'uint16' });
  });

  it('fails to connect with what to install when the library is missing, and loads nothing else', async () => {
    const device = makeDevice(pvcamDriver, 'camera', { ...options(), library: join(dir, 'missing/libpvcam.so') });
    const error = await expectDaqError(device.connect(new AbortController().signal), 'unavailable', 'connect without PVCAM');
    expect(error.message).toMatch(/camera: failed to connect: cannot load the PVCAM library ".*missing\/libpvcam.so": .*Install PVCAM from Teledyne Photometrics/);
    expect(device.state).toBe('faulted');
  });

  it('names the cameras PVCAM has when the configured one is not there', async () => {
    const device = makeDevice(pvcamDriver, 'camera', { ...options(), camera: 'Prime95B' });
    const error = await expectDaqError(device.connect(new AbortController().signal), 'not_found', 'connect to an absent camera');
    expect(error.message).toContain('PVCAM has no camera "Prime95B" (cameras: FakeCam0)');
  });

  it('reports PVCAM errors with PVCAM\'s own message, and a failed readout, then works on', async () => {
    const cam = await camera();
    expect(fake.openCount()).toBe(1);
    fake.failNextStart(5);
    const started = await expectDaqError(cam.snap(), 'internal', 'snap when the start fails');
    expect(started.message).toBe('camera: snap failed: PVCAM pl_exp_start_seq failed: error 5: value out of range');
    fake.failNextReadout();
    const readout = await expectDaqError(cam.snap(), 'internal', 'snap when the readout fails');
    expect(readout.message).toBe('camera: PVCAM reports the readout failed');
    expect(cam.state).toBe('idle');
    expect((await cam.snap()).width).toBe(64);
    await cam.disconnect();
    expect(fake.openCount(), 'the camera is closed on disconnect').toBe(0);
  });
});

/** Waits (real time, the fake's exposures take real time) until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutS = 20): Promise<void> {
  const clock = createSystemClock();
  const end = clock.now() + timeoutS;
  while (!condition()) {
    if (clock.now() > end) throw new Error(`timed out waiting for ${what}`);
    await clock.sleep(0.005);
  }
}
