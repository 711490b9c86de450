/**
 * The settings of a PVCAM camera (`Parameterized`): `exposure` (s), `binning` (`SxP`, one of the
 * binnings the camera lists) and `exposure_mode` (`timed`, `trigger-first`, `strobed`: those the
 * camera lists). Before the first connect the camera's lists are not known: `binning` then has
 * no choices and `exposure_mode` offers all three; a value the camera does not take is refused
 * when the setting is written, naming the setting and what the camera takes.
 */
import type { Limits, Parameterized } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import { createParameterSet } from '../../devices/index.js';
import { type Binning, binningName, EXPOSURE_MODES, type ExposureModeName, parseBinning } from './camera-features.js';

/** What the settings read and write on the camera. */
export interface CameraSettingsTarget {
  exposureRange: Limits;
  /** The camera's binnings; `undefined` before the first connect. */
  binnings: readonly Binning[] | undefined;
  /** The camera's exposure modes; `undefined` before the first connect. */
  modes: readonly ExposureModeName[] | undefined;
  exposure(): number;
  setExposure(exposureS: number): Promise<void>;
  binning(): Binning;
  /** Applies a binning the camera lists; throws (leaving the binning) when the region cannot take it. */
  setBinning(binning: Binning): void;
  mode(): ExposureModeName;
  setMode(mode: ExposureModeName): void;
}

/** The settings of camera `device`. */
export function cameraSettings(device: string, target: CameraSettingsTarget): Parameterized {
  const binnings = target.binnings?.map(binningName);
  return createParameterSet(device, [
    {
      name: 'exposure', type: 'number', units: 's', ...target.exposureRange,
      description: 'exposure time (s)',
      get: () => target.exposure(),
      set: (value) => target.setExposure(Number(value)),
    },
    {
      name: 'binning', type: 'string', units: '', ...(binnings === undefined ? {} : { choices: binnings }),
      description: 'serial x parallel binning, SxP (e.g. 2x2), one of the binnings the camera lists (PARAM_BINNING_SER/PAR)',
      get: () => binningName(target.binning()),
      set: (value) => {
        const binning = parseBinning(String(value));
        if (binning === undefined) {
          throw new DaqError('invalid_argument', `${device}: setting "binning": expected serial x parallel binning such as "2x2", got ${JSON.stringify(value)}`, { device });
        }
        target.setBinning(binning);
      },
    },
    {
      name: 'exposure_mode', type: 'string', units: '', choices: target.modes ?? EXPOSURE_MODES,
      description: 'what starts an exposure: timed (software), trigger-first (an edge starts a snap or a stream), strobed (an edge starts each frame)',
      get: () => target.mode(),
      set: (value) => target.setMode(value as ExposureModeName),
    },
  ]);
}
