/** Options of the `sim-camera` driver, and the checks of its ROI and binning. */
import { z } from 'zod';
import type { Roi } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';

/** Options of `sim-camera` in the lab config. */
export const simCameraOptions = z
  .strictObject({
    width: z.number().int().min(1).max(16384).default(1024).describe('sensor width (px)'),
    height: z.number().int().min(1).max(16384).default(1024).describe('sensor height (px)'),
    exposure: z.number().positive().default(0.01).describe('exposure time at start (s)'),
    exposure_min: z.number().positive().default(1e-5).describe('shortest exposure (s)'),
    exposure_max: z.number().positive().default(10).describe('longest exposure (s)'),
    readout_time: z.number().nonnegative().default(0.005).describe('time to read out one frame (s)'),
    gain: z.number().positive().default(1).describe('conversion gain at start (counts per photoelectron)'),
    temperature_ambient: z.number().default(20).describe('sensor temperature at start, cooler holding it (°C)'),
    cooling_time_constant: z.number().positive().default(30).describe('time constant of the sensor temperature (s)'),
    setpoint_min: z.number().default(-80).describe('lowest temperature setpoint (°C)'),
    setpoint_max: z.number().default(25).describe('highest temperature setpoint (°C)'),
    seed: z.number().int().default(1).describe('seed of the image noise (integer)'),
    stage: z.string().default('').describe('name of a stage that moves the spot across the sensor (a Movable), or "" for a drifting spot'),
    stage_centre: z.number().default(12.5).describe('stage position that puts the spot at the sensor centre (stage units)'),
    pixels_per_unit: z.number().default(20).describe('how far the spot moves on the sensor per stage unit (px per stage unit)'),
  })
  .refine((o) => o.exposure_min <= o.exposure_max, {
    message: 'exposure_min must not exceed exposure_max',
    path: ['exposure_max'],
  })
  .refine((o) => o.exposure >= o.exposure_min && o.exposure <= o.exposure_max, {
    message: 'the start exposure must be within exposure_min..exposure_max',
    path: ['exposure'],
  })
  .refine((o) => o.setpoint_min < o.setpoint_max, {
    message: 'setpoint_min must be below setpoint_max',
    path: ['setpoint_max'],
  });

/** The devices a camera's options refer to, for the lab loader to check. */
export function cameraReferences(options: SimCameraOptions): { field: string; device: string; capability: 'Movable' }[] {
  return options.stage === '' ? [] : [{ field: 'stage', device: options.stage, capability: 'Movable' }];
}

/** Validated options of `sim-camera`. */
export type SimCameraOptions = z.output<typeof simCameraOptions>;

/** Binning factors the simulated sensor supports. */
export const BINNINGS: readonly number[] = [1, 2, 3, 4];

/**
 * Throws `out_of_range` unless `roi` is a rectangle of whole pixels, not empty, inside a
 * `sensor` of width x height pixels, and at least `binning` pixels on each side.
 */
export function checkRoi(device: string, roi: Roi, sensor: { width: number; height: number }, binning: number): void {
  const { x, y, width, height } = roi;
  const text = `ROI ${width}x${height} px at (${x}, ${y})`;
  const fail = (why: string): never => {
    throw new DaqError('out_of_range', `${device}: ${text} ${why}`, { device });
  };
  if (![x, y, width, height].every(Number.isInteger)) fail('must be whole pixels');
  if (width < 1 || height < 1) fail('is empty');
  if (x < 0 || y < 0 || x + width > sensor.width || y + height > sensor.height) {
    fail(`leaves the ${sensor.width}x${sensor.height} px sensor`);
  }
  if (width < binning || height < binning) fail(`is smaller than the binning ${binning}x${binning}`);
}

/** Throws `out_of_range` unless `binning` is one of {@link BINNINGS}. */
export function checkBinning(device: string, binning: number): void {
  if (!BINNINGS.includes(binning)) {
    throw new DaqError('out_of_range', `${device}: binning ${binning} is not one of ${BINNINGS.join(', ')}`, { device });
  }
}
