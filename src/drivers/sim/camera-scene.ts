/**
 * The image a simulated camera sees: a Gaussian spot (a focused laser, a fluorescent bead)
 * drifting slowly on a circle around the sensor centre, over a faint uniform background, read
 * out by a 16-bit sensor with bias, dark current, shot noise and read noise.
 *
 * Counting: light frees photoelectrons (e-) in each pixel at a rate (e-/s); over the exposure
 * they add up to a mean N. Their number is Poisson distributed, so the shot noise is sqrt(N);
 * for the counts here a Gaussian of that width is indistinguishable. The readout converts
 * electrons to counts (`gain`, counts/e-), adds a fixed bias so that noise never goes below
 * zero, and adds read noise. Binning sums b x b pixels on the chip before readout, so signal
 * and shot noise add up over b^2 pixels while bias and read noise are paid once.
 */
import type { Roi } from '../../capabilities/index.js';
import { normalTable, type Random } from './random.js';

/** Offset added by the readout electronics, counts. */
export const BIAS_COUNTS = 100;
/** Read noise, counts rms. */
export const READ_NOISE_COUNTS = 2;
/** Photoelectron rate at the centre of the spot, e-/s per pixel. */
export const SPOT_PEAK_RATE = 5e5;
/** Stray light, e-/s per pixel. */
export const BACKGROUND_RATE = 200;
/** Dark current at 20 °C, e-/s per pixel; it halves for every 6 °C of cooling. */
export const DARK_RATE_20C = 50;
/** Time the spot takes to go once round its circle, s. */
export const SPOT_PERIOD_S = 120;
/** Largest value of a 16-bit pixel. */
const FULL_SCALE = 65535;

/** What one frame is taken with. */
export interface Exposure {
  /** Sensor width, px. */
  sensorWidth: number;
  /** Sensor height, px. */
  sensorHeight: number;
  /** Region read out, unbinned pixels. */
  roi: Roi;
  /** Pixels summed along each axis (1 to 4). */
  binning: number;
  /** Exposure time, s. */
  exposureS: number;
  /** Conversion gain, counts per photoelectron. */
  gain: number;
  /** Clock time the spot position is taken at (the middle of the exposure), s since the epoch. */
  timeS: number;
  /** Sensor temperature, °C (sets the dark current). */
  temperatureC: number;
  /**
   * Where the spot is, unbinned sensor pixels, when something of the lab puts it there (a stage
   * carrying the optics); without it the spot drifts on its circle ({@link spotAt}).
   */
  spot?: { x: number; y: number };
}

/** Where the spot is at `timeS` (unbinned sensor pixels) and its rms radius `sigma` (pixels). */
export function spotAt(sensorWidth: number, sensorHeight: number, timeS: number): { x: number; y: number; sigma: number } {
  const size = Math.min(sensorWidth, sensorHeight);
  const phase = (2 * Math.PI * (timeS % SPOT_PERIOD_S)) / SPOT_PERIOD_S;
  return {
    x: sensorWidth / 2 + 0.25 * size * Math.cos(phase),
    y: sensorHeight / 2 + 0.25 * size * Math.sin(phase),
    sigma: Math.max(1.5, 0.03 * size),
  };
}

/**
 * The spot's profile along one axis for `count` binned pixels starting at sensor pixel
 * `start`: the sum over each bin's `binning` pixels of exp(-(u - centre)^2 / (2 sigma^2)),
 * u at pixel centres. A 2-D Gaussian is the product of two such profiles, so a frame costs
 * (width + height) * binning exponentials instead of one per pixel.
 */
function axisProfile(start: number, count: number, binning: number, centre: number, sigma: number): Float64Array {
  const profile = new Float64Array(count);
  const k = -1 / (2 * sigma * sigma);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let s = 0; s < binning; s++) {
      const d = start + i * binning + s + 0.5 - centre;
      sum += Math.exp(k * d * d);
    }
    profile[i] = sum;
  }
  return profile;
}

/** Size of the frame read out with `roi` and `binning`: each side divided by `binning`, rounded down. */
export function binnedSize(roi: Roi, binning: number): { width: number; height: number } {
  return { width: Math.floor(roi.width / binning), height: Math.floor(roi.height / binning) };
}

/** Renders one frame, row-major 16-bit counts, drawing noise from `random`. */
export function renderFrame(exposure: Exposure, random: Random): Uint16Array {
  const { roi, binning, exposureS, gain } = exposure;
  const { width, height } = binnedSize(roi, binning);
  const drifting = spotAt(exposure.sensorWidth, exposure.sensorHeight, exposure.timeS);
  const spot = exposure.spot === undefined ? drifting : { ...exposure.spot, sigma: drifting.sigma };
  const gx = axisProfile(roi.x, width, binning, spot.x, spot.sigma);
  const gy = axisProfile(roi.y, height, binning, spot.y, spot.sigma);
  // Dark current doubles for every 6 °C of warming (thermal generation across the band gap).
  const darkRate = DARK_RATE_20C * Math.pow(2, (exposure.temperatureC - 20) / 6);
  const floorE = (BACKGROUND_RATE + darkRate) * exposureS * binning * binning;
  const peakE = SPOT_PEAK_RATE * exposureS;
  const readVariance = READ_NOISE_COUNTS * READ_NOISE_COUNTS;
  const gain2 = gain * gain;
  const table = normalTable();
  const data = new Uint16Array(width * height);
  // Noise: table indices from xorshift32 (three shifts and xors), seeded per frame from `random`.
  let state = random.uint32() | 1;
  const flatMean = BIAS_COUNTS + gain * floorE;
  const flatSigma = Math.sqrt(gain2 * floorE + readVariance);
  const gxMax = gx.reduce((a, b) => Math.max(a, b), 0);
  let k = 0;
  for (let j = 0; j < height; j++) {
    const rowE = peakE * (gy[j] as number);
    if (rowE * gxMax < 1e-3) {
      // A row the spot does not reach: the same mean and noise everywhere.
      for (let i = 0; i < width; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const counts = flatMean + flatSigma * (table[state >>> 16] as number);
        data[k++] = counts <= 0 ? 0 : counts >= FULL_SCALE ? FULL_SCALE : counts + 0.5;
      }
      continue;
    }
    for (let i = 0; i < width; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const electrons = rowE * (gx[i] as number) + floorE;
      // Variance in counts: shot noise gain^2 N plus read noise.
      const sigma = Math.sqrt(gain2 * electrons + readVariance);
      const counts = BIAS_COUNTS + gain * electrons + sigma * (table[state >>> 16] as number);
      // Clip to the 16-bit range and round (storing into a Uint16Array truncates).
      data[k++] = counts <= 0 ? 0 : counts >= FULL_SCALE ? FULL_SCALE : counts + 0.5;
    }
  }
  return data;
}
