/**
 * Conformance suites: one per capability, each checking the contract in that capability's
 * TSDoc against any driver, plus the device lifecycle. A driver's test registers all that
 * apply to it with one line:
 *
 * ```ts
 * conformanceFor('sim-stage', () => {
 *   const clock = new VirtualClock();
 *   return connectHarness(clock, simStageDriver.create('stage', simStageOptions.parse({}), { clock, device }));
 * });
 * ```
 *
 * Test code only: these files import vitest.
 */
import { describe, expect, it } from 'vitest';
import type { Device } from '../devices/device.js';
import { capabilitiesOf, type CapabilityName, type CapabilityOf } from '../capabilities/index.js';
import { analogInputConformance } from './analog-input.conformance.js';
import { analogOutputConformance } from './analog-output.conformance.js';
import { cooledConformance } from './cooled.conformance.js';
import { counterConformance } from './counter.conformance.js';
import { deviceConformance } from './device.conformance.js';
import { digitalIOConformance } from './digital-io.conformance.js';
import { emissionControlConformance } from './emission-control.conformance.js';
import { exposureControlConformance } from './exposure-control.conformance.js';
import { frameProducerConformance } from './frame-producer.conformance.js';
import { hardwareTriggeredConformance } from './hardware-triggered.conformance.js';
import { requireCapability, type HarnessFactory } from './harness.js';
import { movableConformance } from './movable.conformance.js';
import { parameterizedConformance } from './parameterized.conformance.js';
import { readableConformance } from './readable.conformance.js';
import { roiSelectableConformance } from './roi-selectable.conformance.js';
import { shutterControlConformance } from './shutter-control.conformance.js';
import { stageableConformance } from './stageable.conformance.js';
import { stoppableConformance } from './stoppable.conformance.js';
import { temperatureSensorConformance } from './temperature-sensor.conformance.js';
import { triggerableConformance } from './triggerable.conformance.js';
import { triggerSourceConformance } from './trigger-source.conformance.js';
import { voltageSourceConformance } from './voltage-source.conformance.js';
import { wavelengthTunableConformance } from './wavelength-tunable.conformance.js';

export * from './harness.js';
export { expectDaqError, expectNear } from './common.conformance.js';
export { analogInputConformance } from './analog-input.conformance.js';
export { analogOutputConformance } from './analog-output.conformance.js';
export { cooledConformance } from './cooled.conformance.js';
export { counterConformance } from './counter.conformance.js';
export { digitalIOConformance } from './digital-io.conformance.js';
export { deviceConformance } from './device.conformance.js';
export { emissionControlConformance } from './emission-control.conformance.js';
export { exposureControlConformance } from './exposure-control.conformance.js';
export { expectWellFormedFrame, frameProducerConformance } from './frame-producer.conformance.js';
export { hardwareTriggeredConformance } from './hardware-triggered.conformance.js';
export { movableConformance } from './movable.conformance.js';
export { parameterizedConformance } from './parameterized.conformance.js';
export { readableConformance } from './readable.conformance.js';
export { roiSelectableConformance } from './roi-selectable.conformance.js';
export { shutterControlConformance } from './shutter-control.conformance.js';
export { stageableConformance } from './stageable.conformance.js';
export { stoppableConformance } from './stoppable.conformance.js';
export { temperatureSensorConformance } from './temperature-sensor.conformance.js';
export { triggerableConformance } from './triggerable.conformance.js';
export { triggerSourceConformance } from './trigger-source.conformance.js';
export { voltageSourceConformance } from './voltage-source.conformance.js';
export { wavelengthTunableConformance } from './wavelength-tunable.conformance.js';

/** A conformance suite of capability `N`: registers its cases for the devices `create` makes. */
export type ConformanceSuite<N extends CapabilityName> = (
  label: string,
  create: HarnessFactory<CapabilityOf<N> & Device>,
) => void;

/** The conformance suite of every capability, by name (the compiler checks none is missing). */
export const CONFORMANCE_SUITES: { readonly [N in CapabilityName]: ConformanceSuite<N> } = {
  Movable: movableConformance,
  Readable: readableConformance,
  Triggerable: triggerableConformance,
  FrameProducer: frameProducerConformance,
  ExposureControl: exposureControlConformance,
  ShutterControl: shutterControlConformance,
  WavelengthTunable: wavelengthTunableConformance,
  EmissionControl: emissionControlConformance,
  Cooled: cooledConformance,
  RoiSelectable: roiSelectableConformance,
  TemperatureSensor: temperatureSensorConformance,
  VoltageSource: voltageSourceConformance,
  TriggerSource: triggerSourceConformance,
  HardwareTriggered: hardwareTriggeredConformance,
  Stageable: stageableConformance,
  Stoppable: stoppableConformance,
  Parameterized: parameterizedConformance,
  AnalogInput: analogInputConformance,
  AnalogOutput: analogOutputConformance,
  DigitalIO: digitalIOConformance,
  Counter: counterConformance,
};

function registerSuite<N extends CapabilityName>(name: N, label: string, create: HarnessFactory): void {
  const suite: ConformanceSuite<N> = CONFORMANCE_SUITES[name];
  suite(label, requireCapability(create, name));
}

/**
 * Registers, in a `describe(label)` block, the Device lifecycle suite and the suite of every
 * capability the device implements. It makes one harness while collecting tests to find the
 * capabilities (with `capabilitiesOf`), closes it, and then each case makes its own. When that
 * first harness cannot be made, registers one failing case that reports why.
 */
export function conformanceFor(label: string, create: HarnessFactory): void {
  describe(label, async () => {
    let capabilities: CapabilityName[];
    try {
      const harness = await create();
      try {
        capabilities = capabilitiesOf(harness.device);
      } finally {
        await harness.close();
      }
    } catch (error) {
      it('makes and connects a device', () => {
        throw error;
      });
      return;
    }
    it(`has capabilities ${capabilities.join(', ') || '(none)'}`, async () => {
      const harness = await create();
      try {
        // Found once while collecting: every device the factory makes must have the same.
        expect(capabilitiesOf(harness.device)).toEqual(capabilities);
      } finally {
        await harness.close();
      }
    });
    deviceConformance(label, create);
    for (const name of capabilities) registerSuite(name, label, create);
  });
}
