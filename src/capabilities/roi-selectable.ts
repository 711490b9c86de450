import { defineCapability } from './define.js';

/** A rectangle on the sensor, in unbinned pixels from the top-left corner. */
export interface Roi {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A camera whose readout can be restricted to a region of interest. */
export interface RoiSelectable {
  /** Restricts readout to `roi`; `out_of_range` if it leaves the sensor or is empty. */
  setRoi(roi: Roi): Promise<void>;
  /** The present region of interest. */
  roi(): Promise<Roi>;
  /** The full sensor in pixels (the largest ROI). */
  sensorSize(): { width: number; height: number };
}

export const roiSelectable = defineCapability<RoiSelectable>()(
  'RoiSelectable',
  'reads out a region of interest of its sensor (setRoi, roi)',
  ['setRoi', 'roi', 'sensorSize'],
);
