/**
 * Conformance of {@link Device}, the lifecycle every device shares: `idle` once connected,
 * `disconnected` after `disconnect()` (which never throws and may be repeated), operations
 * refused with `failed_precondition` while disconnected, and a working device again after
 * reconnecting. The operations tried are the device's own, found from its capabilities.
 */
import { describe, expect } from 'vitest';
import type { Device, DeviceStateChange } from '../devices/device.js';
import {
  isAnalogInput,
  isAnalogOutput,
  isCooled,
  isCounter,
  isDigitalIO,
  isEmissionControl,
  isExposureControl,
  isFrameProducer,
  isMovable,
  isParameterized,
  isReadable,
  isRoiSelectable,
  isShutterControl,
  isTemperatureSensor,
  isTriggerable,
  isVoltageSource,
  isWavelengthTunable,
} from '../capabilities/index.js';
import { expectDaqError, harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

/** A named operation of a device. */
type Probe = [name: string, run: () => Promise<unknown>];

/**
 * Operations of `device` found from its capabilities: reads of its state, plus writes of
 * values it holds now (so they are legal), for checking what works when.
 */
async function probesOf(device: Device): Promise<Probe[]> {
  const probes: Probe[] = [];
  if (isMovable(device)) {
    const position = await device.position();
    probes.push(['position()', () => device.position()]);
    probes.push([`moveAbs(${position})`, () => device.moveAbs(position)]);
  }
  if (isReadable(device)) probes.push(['read()', () => device.read()]);
  if (isTriggerable(device)) probes.push(['arm()', () => device.arm()], ['trigger()', () => device.trigger()]);
  if (isFrameProducer(device)) probes.push(['snap()', () => device.snap()]);
  if (isExposureControl(device)) {
    const exposureS = await device.exposure();
    probes.push(['exposure()', () => device.exposure()], [`setExposure(${exposureS})`, () => device.setExposure(exposureS)]);
  }
  if (isShutterControl(device)) probes.push(['isShutterOpen()', () => device.isShutterOpen()]);
  if (isWavelengthTunable(device)) {
    const nm = await device.wavelength();
    probes.push(['wavelength()', () => device.wavelength()], [`setWavelength(${nm})`, () => device.setWavelength(nm)]);
  }
  if (isEmissionControl(device)) probes.push(['isEmissionEnabled()', () => device.isEmissionEnabled()]);
  if (isTemperatureSensor(device)) probes.push(['temperature()', () => device.temperature()]);
  if (isCooled(device)) probes.push(['temperatureSetpoint()', () => device.temperatureSetpoint()]);
  if (isRoiSelectable(device)) {
    const roi = await device.roi();
    probes.push(['roi()', () => device.roi()], ['setRoi(present)', () => device.setRoi(roi)]);
  }
  if (isVoltageSource(device)) {
    const volts = await device.voltage();
    probes.push(['voltage()', () => device.voltage()], [`setVoltage(${volts})`, () => device.setVoltage(volts)]);
  }
  if (isAnalogInput(device)) probes.push(['startAnalogInput()', () => device.startAnalogInput()], ['readAnalogInput(1)', () => device.readAnalogInput(1)]);
  if (isAnalogOutput(device)) {
    const channel = device.analogOutputChannels()[0]?.name ?? 'ao0';
    probes.push([`analogOutput("${channel}")`, () => device.analogOutput(channel)], [`writeAnalogOutput("${channel}", 0)`, () => device.writeAnalogOutput(channel, 0)]);
  }
  if (isDigitalIO(device)) {
    const line = device.digitalLines()[0]?.name ?? 'line0';
    probes.push([`readLine("${line}")`, () => device.readLine(line)]);
  }
  if (isCounter(device)) {
    const counter = device.counterChannels()[0] ?? 'ctr0';
    probes.push([`readCounter("${counter}")`, () => device.readCounter(counter)]);
  }
  if (isParameterized(device)) {
    for (const { name } of device.parameters()) probes.push([`getParameter("${name}")`, () => device.getParameter(name)]);
  }
  return probes;
}

/** Registers the {@link Device} lifecycle conformance cases for the devices `create` makes. */
export function deviceConformance(label: string, create: HarnessFactory): void {
  describe(`${label} conforms to the Device lifecycle`, () => {
    const test = harnessCases(create);

    test('is idle once connected, without a fault, with a name and a driver', async ({ device }) => {
      expect(device.state).toBe('idle');
      expect(device.fault).toBeUndefined();
      expect(device.name, 'name').toMatch(/\S/);
      expect(device.driver, 'driver').toMatch(/\S/);
    });

    test('disconnect() goes to disconnected, reports the change, and is safe to repeat', async ({ device }) => {
      const changes: DeviceStateChange[] = [];
      device.onStateChange((change) => changes.push(change));
      await device.disconnect();
      expect(device.state).toBe('disconnected');
      expect(changes).toContainEqual(expect.objectContaining({ device: device.name, from: 'idle', to: 'disconnected' }));
      expect(changes[changes.length - 1]?.to, 'the last change').toBe('disconnected');
      const count = changes.length;
      await device.disconnect();
      expect(device.state).toBe('disconnected');
      expect(changes, 'a second disconnect() changes nothing').toHaveLength(count);
    });

    test('operations after disconnect() are refused with failed_precondition', async ({ device }, context) => {
      const probes = await probesOf(device);
      if (probes.length === 0) return context.skip('no operations known from its capabilities');
      await device.disconnect();
      for (const [name, run] of probes) {
        await expectDaqError(run(), 'failed_precondition', `${name} while disconnected`);
      }
      expect(device.state).toBe('disconnected');
    });

    test('works again after disconnect() and connect()', async ({ device }) => {
      const probes = await probesOf(device);
      await device.disconnect();
      await device.connect(new AbortController().signal);
      expect(device.state).toBe('idle');
      for (const [name, run] of probes) {
        await run().catch((error: unknown) => {
          throw new Error(`${name} after reconnecting failed: ${String(error)}`, { cause: error });
        });
      }
      expect(device.fault).toBeUndefined();
    });

    test('a state listener that unsubscribed is not called', async ({ device }) => {
      const changes: DeviceStateChange[] = [];
      const unsubscribe = device.onStateChange((change) => changes.push(change));
      unsubscribe();
      await device.disconnect();
      expect(changes).toEqual([]);
    });
  });
}
