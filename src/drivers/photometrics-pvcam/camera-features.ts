/**
 * What a PVCAM camera offers, read from it at connect the way PVCAM's own wrappers do
 * (Photometrics/PyVCAM `src/pyvcam/camera.py`, Micro-Manager `DeviceAdapters/PVCAM`): the
 * binnings it lists (`PARAM_BINNING_SER` and `PARAM_BINNING_PAR`, item by item), the exposure
 * modes it lists (`PARAM_EXPOSURE_MODE`; extended modes are ORed with the camera's expose-out
 * mode, `PARAM_EXPOSE_OUT_MODE`), and the exposure resolution (microseconds where
 * `PARAM_EXP_RES` lists them, else milliseconds). Pure apart from the PVCAM calls.
 */
import type { Limits } from '../../capabilities/index.js';
import { ATTR, EXP_RES, EXPOSURE_MODE, PARAM, type PvcamApi } from './pvcam-api.js';

/** The exposure modes the driver offers (setting `exposure_mode`). */
export const EXPOSURE_MODES = ['timed', 'trigger-first', 'strobed'] as const;
/** An exposure mode: `timed` (software start), `trigger-first` (an edge starts a snap or a stream), `strobed` (an edge starts each frame). */
export type ExposureModeName = (typeof EXPOSURE_MODES)[number];

/** Serial (x) and parallel (y) binning factors. */
export interface Binning {
  ser: number;
  par: number;
}

/** Binnings offered when the camera lists none: Micro-Manager's symmetric set for such cameras. */
const UNLISTED_BINNINGS: readonly Binning[] = [1, 2, 4, 8].map((n) => ({ ser: n, par: n }));

/** A camera's features, read at connect. */
export interface CameraFeatures {
  sensor: { width: number; height: number };
  setpointRange: Limits;
  /** The binnings it takes, in its order. */
  binnings: readonly Binning[];
  /** The PVCAM exposure mode of each mode the driver offers and the camera lists. */
  modes: ReadonlyMap<ExposureModeName, number>;
  /** The expose-out mode ORed into an extended exposure mode (the camera's present one). */
  exposeOut: number;
  /** Seconds per unit of `exposure_time` (the resolution selected at connect). */
  exposureUnitS: number;
}

/** `SxP`, as Micro-Manager labels binnings ("1x1", "4x2"). */
export function binningName(binning: Binning): string {
  return `${binning.ser}x${binning.par}`;
}

/** The binning named `text` (`SxP`); `undefined` when it is not one. */
export function parseBinning(text: string): Binning | undefined {
  const match = /^(\d+)x(\d+)$/.exec(text);
  return match === null ? undefined : { ser: Number(match[1]), par: Number(match[2]) };
}

/** The PVCAM mode of each offered mode: the extended one where listed, else the legacy one. */
const MODE_CODES: Record<ExposureModeName, readonly number[]> = {
  timed: [EXPOSURE_MODE.EXT_TRIG_INTERNAL, EXPOSURE_MODE.TIMED_MODE],
  'trigger-first': [EXPOSURE_MODE.EXT_TRIG_TRIG_FIRST, EXPOSURE_MODE.TRIGGER_FIRST_MODE],
  strobed: [EXPOSURE_MODE.EXT_TRIG_EDGE_RISING, EXPOSURE_MODE.STROBED_MODE],
};

/** True for the extended modes, which take an expose-out mode in their low bits. */
export function isExtendedMode(mode: number): boolean {
  return mode >= EXPOSURE_MODE.EXT_TRIG_INTERNAL;
}

/** Reads the features of the open camera `hcam`; selects the finest exposure resolution it lists (µs or ms). */
export function readFeatures(api: PvcamApi, hcam: number): CameraFeatures {
  const sensor = {
    width: api.getInt(hcam, PARAM.SER_SIZE, ATTR.CURRENT, 'uint16'),
    height: api.getInt(hcam, PARAM.PAR_SIZE, ATTR.CURRENT, 'uint16'),
  };
  const setpointRange = {
    min: api.getInt(hcam, PARAM.TEMP_SETPOINT, ATTR.MIN, 'int16') / 100,
    max: api.getInt(hcam, PARAM.TEMP_SETPOINT, ATTR.MAX, 'int16') / 100,
  };
  return { sensor, setpointRange, binnings: readBinnings(api, hcam), ...readModes(api, hcam), exposureUnitS: selectResolution(api, hcam) };
}

function readBinnings(api: PvcamApi, hcam: number): readonly Binning[] {
  if (!api.available(hcam, PARAM.BINNING_SER) || !api.available(hcam, PARAM.BINNING_PAR)) return UNLISTED_BINNINGS;
  // The two lists go together item by item (pvcam.h: "used in pair"; PyVCAM zips them).
  const ser = api.enumItems(hcam, PARAM.BINNING_SER);
  const par = api.enumItems(hcam, PARAM.BINNING_PAR);
  const binnings = ser.slice(0, par.length).map((s, i) => ({ ser: s.value, par: par[i]?.value ?? 1 }));
  return binnings.length > 0 ? binnings : UNLISTED_BINNINGS;
}

function readModes(api: PvcamApi, hcam: number): { modes: Map<ExposureModeName, number>; exposeOut: number } {
  const modes = new Map<ExposureModeName, number>();
  if (!api.available(hcam, PARAM.EXPOSURE_MODE)) {
    modes.set('timed', EXPOSURE_MODE.TIMED_MODE);
    return { modes, exposeOut: 0 };
  }
  const listed = new Set(api.enumItems(hcam, PARAM.EXPOSURE_MODE).map((item) => item.value));
  for (const name of EXPOSURE_MODES) {
    const code = MODE_CODES[name].find((c) => listed.has(c));
    if (code !== undefined) modes.set(name, code);
  }
  if (!modes.has('timed')) modes.set('timed', EXPOSURE_MODE.TIMED_MODE);
  const extended = [...modes.values()].some(isExtendedMode);
  const exposeOut = extended && api.available(hcam, PARAM.EXPOSE_OUT_MODE) ? api.getInt(hcam, PARAM.EXPOSE_OUT_MODE, ATTR.CURRENT, 'int32') : 0;
  return { modes, exposeOut };
}

/**
 * Selects microseconds when `PARAM_EXP_RES` lists them (else milliseconds, else seconds), by writing their position in that list
 * to `PARAM_EXP_RES_INDEX` (pvcam.h: an index into the camera's own table); a camera without
 * `PARAM_EXP_RES` works in milliseconds (pvcam.h). Returns seconds per exposure unit.
 */
function selectResolution(api: PvcamApi, hcam: number): number {
  if (!api.available(hcam, PARAM.EXP_RES)) return 1e-3;
  const items = api.enumItems(hcam, PARAM.EXP_RES);
  for (const [value, unitS] of [[EXP_RES.ONE_MICROSEC, 1e-6], [EXP_RES.ONE_MILLISEC, 1e-3], [EXP_RES.ONE_SEC, 1]] as const) {
    const index = items.findIndex((item) => item.value === value);
    if (index >= 0) {
      api.setInt(hcam, PARAM.EXP_RES_INDEX, index, 'uint16');
      return unitS;
    }
  }
  return 1e-3;
}
