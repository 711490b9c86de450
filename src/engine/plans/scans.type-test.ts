/**
 * Type-level tests, checked by `tsc` (make typecheck), never executed: the compiler refuses
 * experiments that ask a device for a capability it does not have. Each `@ts-expect-error`
 * fails the type-check if the line below it ever compiles.
 */
import {
  defineCapability,
  type ExposureControl,
  type FrameProducer,
  type Movable,
  type Readable,
  type TemperatureSensor,
  type Triggerable,
  type WavelengthTunable,
} from '../../capabilities/index.js';
import type { Device } from '../../devices/index.js';
import { lineScan } from './scans.js';

declare const stage: Movable & Device;
declare const powerMeter: Readable & Device;
declare const camera: FrameProducer & ExposureControl & Triggerable & Device;
declare const readableStage: Movable & Readable & Device;
declare const thermometer: TemperatureSensor & Readable & Device;
declare const laser: WavelengthTunable & Device;

const range = { start: 0, stop: 10, num: 11 };

// A stage and a power meter: compiles.
void lineScan(stage, powerMeter, range);
void lineScan(stage, [powerMeter, readableStage], range);

// Any settable quantity is an axis: a laser's wavelength, a camera's exposure.
void lineScan(laser, powerMeter, range);
void lineScan(camera, powerMeter, range);

// @ts-expect-error a thermometer has nothing to set: it is no axis
void lineScan(thermometer, powerMeter, range);

// @ts-expect-error a power meter has nothing to set
void lineScan(powerMeter, thermometer, range);

// @ts-expect-error a stage that cannot read is no detector: it is not Readable
void lineScan(stage, stage, range);

// @ts-expect-error a camera is not Readable (it produces frames)
void lineScan(stage, [powerMeter, camera], range);

// @ts-expect-error positions are numbers
void lineScan(stage, powerMeter, { start: '0', stop: 10, num: 11 });

// A capability's method list must name every method of its interface...
// @ts-expect-error 'stop' and others are missing from the list
defineCapability<Movable>()('Movable', 'incomplete', ['moveAbs', 'moveRel']);

// ...and only methods of it.
// @ts-expect-error 'fly' is not a method of Movable
defineCapability<Movable>()('Movable', 'extra', ['moveAbs', 'moveRel', 'position', 'waitSettled', 'stop', 'limits', 'fly']);
