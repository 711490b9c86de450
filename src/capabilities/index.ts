/**
 * Capabilities: what a device can do, one small interface each. A device has a capability when
 * it implements every method of it; `capabilitiesOf(device)` derives the list from the object.
 * See docs/capabilities.md.
 */
import { analogInput } from './analog-input.js';
import { analogOutput } from './analog-output.js';
import { cooled } from './cooled.js';
import { counter } from './counter.js';
import type { CapabilitySpec } from './define.js';
import { digitalIO } from './digital-io.js';
import { emissionControl } from './emission-control.js';
import { exposureControl } from './exposure-control.js';
import { frameProducer } from './frame-producer.js';
import { hardwareTriggered } from './hardware-triggered.js';
import { movable } from './movable.js';
import { parameterized } from './parameterized.js';
import { readable } from './readable.js';
import { roiSelectable } from './roi-selectable.js';
import { shutterControl } from './shutter-control.js';
import { stageable } from './stageable.js';
import { stoppable } from './stoppable.js';
import { temperatureSensor } from './temperature-sensor.js';
import { triggerable } from './triggerable.js';
import { triggerSource } from './trigger-source.js';
import { voltageSource } from './voltage-source.js';
import { wavelengthTunable } from './wavelength-tunable.js';

export * from './analog-input.js';
export * from './analog-output.js';
export * from './cooled.js';
export * from './counter.js';
export * from './digital-io.js';
export * from './define.js';
export * from './emission-control.js';
export * from './exposure-control.js';
export * from './frame-producer.js';
export * from './hardware-triggered.js';
export * from './movable.js';
export * from './parameterized.js';
export * from './readable.js';
export * from './roi-selectable.js';
export * from './shutter-control.js';
export * from './stageable.js';
export * from './stoppable.js';
export * from './temperature-sensor.js';
export * from './triggerable.js';
export * from './trigger-source.js';
export * from './voltage-source.js';
export * from './wavelength-tunable.js';

/** Every capability, in the order they are listed to users. */
export const CAPABILITIES = [
  movable,
  readable,
  triggerable,
  frameProducer,
  exposureControl,
  shutterControl,
  wavelengthTunable,
  emissionControl,
  cooled,
  roiSelectable,
  temperatureSensor,
  voltageSource,
  stageable,
  stoppable,
  parameterized,
  triggerSource,
  hardwareTriggered,
  analogInput,
  analogOutput,
  digitalIO,
  counter,
] as const;

/** A capability's name: `'Movable' | 'Readable' | ...`. */
export type CapabilityName = (typeof CAPABILITIES)[number]['name'];

/** The interface of a capability, by name. */
export type CapabilityOf<N extends CapabilityName> =
  Extract<(typeof CAPABILITIES)[number], { name: N }> extends CapabilitySpec<infer T, N> ? T : never;

/** Every capability name. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = CAPABILITIES.map((c) => c.name);

/** The spec of a capability by name, or `undefined` for an unknown name. */
export function capabilitySpec(name: string): (typeof CAPABILITIES)[number] | undefined {
  return CAPABILITIES.find((c) => c.name === name);
}

/** The capabilities `device` implements, derived from its methods, in {@link CAPABILITIES} order. */
export function capabilitiesOf(device: unknown): CapabilityName[] {
  return CAPABILITIES.filter((c) => c.is(device)).map((c) => c.name);
}

/** True when `device` implements capability `name`, narrowing its type. */
export function hasCapability<N extends CapabilityName>(device: unknown, name: N): device is CapabilityOf<N> {
  return capabilitySpec(name)?.is(device) ?? false;
}

export const isMovable = movable.is;
export const isReadable = readable.is;
export const isTriggerable = triggerable.is;
export const isFrameProducer = frameProducer.is;
export const isExposureControl = exposureControl.is;
export const isShutterControl = shutterControl.is;
export const isWavelengthTunable = wavelengthTunable.is;
export const isEmissionControl = emissionControl.is;
export const isCooled = cooled.is;
export const isRoiSelectable = roiSelectable.is;
export const isTemperatureSensor = temperatureSensor.is;
export const isVoltageSource = voltageSource.is;
export const isStageable = stageable.is;
export const isStoppable = stoppable.is;
export const isParameterized = parameterized.is;
export const isTriggerSource = triggerSource.is;
export const isHardwareTriggered = hardwareTriggered.is;
export const isAnalogInput = analogInput.is;
export const isAnalogOutput = analogOutput.is;
export const isDigitalIO = digitalIO.is;
export const isCounter = counter.is;

export * from './settable.js';
