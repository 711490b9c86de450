/**
 * The remote device proxy over a loopback endpoint (the real wire codec, no NATS): it passes the
 * conformance suites of the capabilities it takes from the owner's device, errors keep the
 * owner's code and name the owner, frames cross in chunks, and an owner that goes away faults
 * the device with the reason until it answers again.
 */
import { describe, expect, it } from 'vitest';
import { isFrameProducer, isMovable, isRoiSelectable, capabilitiesOf } from '../../capabilities/index.js';
import { conformanceFor, connectHarness } from '../../conformance/index.js';
import { VirtualClock } from '../../core/index.js';
import type { Device, DeviceState } from '../../devices/index.js';
import { simCameraDriver, simCameraOptions, simDaqCardDriver, simDaqCardOptions, simStageDriver, simStageOptions } from '../../drivers/sim/index.js';
import { loopback, type Loopback } from './loopback.fixture.js';
import { RemoteDevice } from './remote-device.js';
import { decodeReply, decodeRequest, encodeRequest, encodeValue } from './wire.js';

const noDevice = (): never => {
  throw new Error('no other devices');
};

function stageOwner(clock: VirtualClock): Device {
  return simStageDriver.create('stage', simStageOptions.parse({ max: 25 }), { clock, device: noDevice });
}

function cameraOwner(clock: VirtualClock, size = 64): Device {
  return simCameraDriver.create('camera', simCameraOptions.parse({ width: size, height: size }), { clock, device: noDevice });
}

/** A connected owner device and its proxy over a loopback. */
async function proxied(owner: Device, heartbeatS = 0.02): Promise<{ proxy: RemoteDevice; link: Loopback; close(): Promise<void> }> {
  await owner.connect(new AbortController().signal);
  const link = loopback(owner);
  const proxy = new RemoteDevice(`remote_${owner.name}`, link, { timeoutS: 5, heartbeatS });
  await proxy.connect(new AbortController().signal);
  return {
    proxy,
    link,
    close: async () => {
      await proxy.disconnect();
      await owner.disconnect();
    },
  };
}

function until(device: Device, state: DeviceState): Promise<void> {
  return new Promise((resolve) => {
    if (device.state === state) return resolve();
    const off = device.onStateChange((change) => {
      if (change.to !== state) return;
      off();
      resolve();
    });
  });
}

conformanceFor('remote sim-stage (loopback)', async () => {
  const clock = new VirtualClock({ autoAdvance: true });
  const owner = stageOwner(clock);
  await owner.connect(new AbortController().signal);
  const proxy = new RemoteDevice('remote_stage', loopback(owner), { timeoutS: 5, heartbeatS: 1 });
  const harness = await connectHarness(clock, proxy);
  return { ...harness, close: async () => (await harness.close(), await owner.disconnect()) };
});

// A DAQ card in another daemon: analog input blocks, analog outputs, digital lines and counters
// through the proxy pass the same suites as the card itself (src/drivers/sim/sim-conformance.test.ts).
conformanceFor('remote sim-daq-card (loopback)', async () => {
  const clock = new VirtualClock({ autoAdvance: true });
  const owner = simDaqCardDriver.create('daq', simDaqCardOptions.parse({}), { clock, device: noDevice });
  await owner.connect(new AbortController().signal);
  const proxy = new RemoteDevice('remote_daq', loopback(owner), { timeoutS: 5, heartbeatS: 1 });
  const harness = await connectHarness(clock, proxy);
  return { ...harness, close: async () => (await harness.close(), await owner.disconnect()) };
});

describe('a remote device', () => {
  it('keeps infinite limits and NaN readings across the wire (plain JSON makes them null)', async () => {
    const value = { min: -Infinity, max: Infinity, reading: NaN, plain: { $number: 'seven' }, list: [1, Infinity] };
    expect(decodeReply(encodeValue(value))).toEqual({ value });
    expect(decodeRequest(encodeRequest([Infinity, -Infinity]))).toEqual([Infinity, -Infinity]);
    // samples as a typed array (a driver's block) arrive as numbers in order, NaN kept
    expect(decodeReply(encodeValue({ value: new Float64Array([1.5, NaN, -2]) }))).toEqual({ value: { value: [1.5, NaN, -2] } });
    // A motor without soft limits (an EPICS motor record with HLM == LLM == 0) seen through a proxy.
    const owner = stageOwner(new VirtualClock({ autoAdvance: true }));
    if (!isMovable(owner)) throw new Error('not Movable');
    owner.limits = () => Promise.resolve({ min: -Infinity, max: Infinity });
    const { proxy, close } = await proxied(owner);
    try {
      if (!isMovable(proxy)) throw new Error('not Movable');
      expect(await proxy.limits()).toEqual({ min: -Infinity, max: Infinity });
    } finally {
      await close();
    }
  });

  it("takes the owner's capabilities and units, and moves the owner's axis", async () => {
    const owner = stageOwner(new VirtualClock({ autoAdvance: true }));
    const { proxy, link, close } = await proxied(owner);
    try {
      expect(capabilitiesOf(proxy)).toEqual(capabilitiesOf(owner).filter((c) => c !== 'TriggerSource'));
      if (!isMovable(proxy) || !isMovable(owner)) throw new Error('not Movable');
      expect(proxy.units).toBe('mm');
      await proxy.moveAbs(12.5);
      expect(await owner.position()).toBeCloseTo(12.5, 6);
      expect(await proxy.position()).toBeCloseTo(12.5, 6);
      expect(link.calls).toContain('moveAbs');
    } finally {
      await close();
    }
  });

  it("refuses with the owner's code, naming the owner daemon and device", async () => {
    const { proxy, close } = await proxied(stageOwner(new VirtualClock({ autoAdvance: true })));
    try {
      if (!isMovable(proxy)) throw new Error('not Movable');
      await expect(proxy.moveAbs(40)).rejects.toMatchObject({
        code: 'out_of_range',
        message: expect.stringMatching(/^remote_stage: .*daemon "owner-pc": stage: .*40/),
      });
    } finally {
      await close();
    }
  });

  it('brings a 1024 x 1024 16-bit frame across in chunks, and follows a changed ROI', async () => {
    const { proxy, close } = await proxied(cameraOwner(new VirtualClock({ autoAdvance: true }), 1024));
    try {
      if (!isFrameProducer(proxy) || !isRoiSelectable(proxy)) throw new Error('not a camera');
      const seen: number[] = [];
      proxy.onFrame((frame) => seen.push(frame.frameNumber));
      const frame = await proxy.snap();
      expect([frame.width, frame.height, frame.dtype, frame.data.length]).toEqual([1024, 1024, 'uint16', 1024 * 1024]);
      expect(frame.data.some((v) => v > 0)).toBe(true);
      expect(seen).toEqual([frame.frameNumber]);
      await proxy.setRoi({ x: 0, y: 0, width: 128, height: 64 });
      expect(proxy.frameSize()).toMatchObject({ width: 128, height: 64 });
      await expect(proxy.startStream()).rejects.toMatchObject({ code: 'unimplemented' });
    } finally {
      await close();
    }
  });

  it('is faulted with the reason when the owner goes away, and connects again when it is back', async () => {
    const { proxy, link, close } = await proxied(stageOwner(new VirtualClock({ autoAdvance: true })));
    try {
      if (!isMovable(proxy)) throw new Error('not Movable');
      link.up = false;
      await expect(proxy.moveAbs(3)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('daemon "owner-pc" does not answer') });
      expect(proxy.state).toBe('faulted');
      expect(proxy.fault?.message).toMatch(/^remote_stage: lost owner-pc\/stage: daemon "owner-pc" does not answer/);
      await expect(proxy.position()).rejects.toMatchObject({ code: 'failed_precondition' });
      const back = until(proxy, 'idle');
      link.up = true;
      await back;
      await proxy.moveAbs(3);
      expect(await proxy.position()).toBeCloseTo(3, 6);
    } finally {
      await close();
    }
  });

  it('notices an owner gone while idle', async () => {
    const { proxy, link, close } = await proxied(stageOwner(new VirtualClock({ autoAdvance: true })));
    try {
      const faulted = until(proxy, 'faulted');
      link.up = false;
      await faulted;
      expect(proxy.fault?.message).toContain('does not answer');
    } finally {
      await close();
    }
  });
});
