import { describe, expect, it } from 'vitest';
import { type Frame, isEmissionControl, isShutterControl } from '../../capabilities/index.js';
import { VirtualClock } from '../../core/index.js';
import { Lab, parseLabConfig } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { type FlyDetector, type FlyPoint, type FlySummary, flyScan } from './fly-scan.js';
import { lineScan } from './scans.js';
import type { ScanDetector, ScanMotor, ScanPoint } from './step-scan.js';

/** The simulated optics lab of examples/lab.toml, with a small camera that looks at the stage's aperture. */
const LAB = `
[devices.stage]
driver = "sim-stage"
settings = { velocity = 10, acceleration = 40 }
[devices.laser]
driver = "sim-laser"
[devices.power_meter]
driver = "sim-power-meter"
peak_position = 12.5
beam_width = 1.5
averaging_time = 0.02
[devices.camera]
driver = "sim-camera"
width = 64
height = 16
exposure = 0.002
readout_time = 0.001
stage = "stage"
stage_centre = 12.5
pixels_per_unit = 2
`;

async function opticsLab() {
  const clock = new VirtualClock();
  const lab = Lab.create(parseLabConfig(LAB, 'optics.toml', DRIVERS), DRIVERS, clock);
  await lab.connect();
  const laser = lab.device('laser');
  if (!isEmissionControl(laser) || !isShutterControl(laser)) throw new Error('sim-laser lost its shutter');
  await laser.enableEmission();
  await laser.openShutter();
  return {
    lab,
    clock,
    stage: lab.device('stage') as ScanMotor,
    meter: lab.device('power_meter') as ScanDetector & FlyDetector,
    camera: lab.device('camera') as FlyDetector,
  };
}

/** Centre of the peak: the mean position weighted by the signal above half its maximum. */
function peakOf(samples: readonly { x: number; y: number }[]): number {
  const max = Math.max(...samples.map((s) => s.y));
  const top = samples.filter((s) => s.y > max / 2);
  return top.reduce((sum, s) => sum + s.x * s.y, 0) / top.reduce((sum, s) => sum + s.y, 0);
}

function meterSamples(points: readonly ScanPoint[]): { x: number; y: number }[] {
  return points.map((p) => ({ x: p.positions['stage'] as number, y: p.readings['power_meter']?.value as number }));
}

/** Spot centre along x in a frame, px (centroid above the background). */
function spotX(frame: Frame): number {
  let sum = 0;
  let weighted = 0;
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const signal = Math.max(0, (frame.data[y * frame.width + x] as number) - 200);
      sum += signal;
      weighted += signal * (x + 0.5);
    }
  }
  return weighted / sum;
}

describe('flyScan', () => {
  it('finds the coupling peak within 0.05 mm of the step scan, flying either way', async () => {
    const { lab, stage, meter } = await opticsLab();
    const step = peakOf(meterSamples(await lineScan(stage, meter, { start: 8, stop: 17, num: 91 })));
    expect(Math.abs(step - 12.5), `step scan peak ${step}`).toBeLessThan(0.05);
    for (const [start, stop] of [[8, 17], [17, 8]] as const) {
      const points = await flyScan(stage, meter, { start, stop, num: 181, velocity: 2 });
      expect(points).toHaveLength(181);
      const fly = peakOf(meterSamples(points));
      expect(Math.abs(fly - step), `fly ${start}->${stop} peak ${fly}, step scan ${step}`).toBeLessThan(0.05);
      // each sample is stamped where the stage was in the middle of its averaging window
      for (const p of points) expect(p.positions['stage'] as number).toBeCloseTo((p.targets['stage'] as number) + Math.sign(stop - start) * 2 * 0.01, 5);
    }
    await lab.disconnect();
  });

  it('takes a frame per pulse in which the spot sits where the stamped position puts it', async () => {
    const { lab, stage, camera, meter } = await opticsLab();
    const points = await flyScan(stage, [camera, meter], { start: 4, stop: 21, num: 69, velocity: 4 });
    expect(points).toHaveLength(69);
    const frames = points.map((p) => (p as FlyPoint).frames['camera'] as Frame);
    expect(new Set(frames.map((f) => f.frameNumber)).size).toBe(69);
    for (const [i, point] of points.entries()) {
      // the spot is at the centre (32 px) at 12.5 mm and moves 2 px per mm with the stage
      const seen = 12.5 + (spotX(frames[i] as Frame) - 32) / 2;
      expect(Math.abs(seen - (point.positions['stage'] as number)), `point ${i}`).toBeLessThan(0.1);
    }
    await lab.disconnect();
  });

  it('counts the pulses a detector misses when flying too fast for it, and records the rest', async () => {
    const { lab, stage, meter } = await opticsLab();
    let summary: FlySummary | undefined;
    // points 0.01 mm apart at 2 mm/s: a pulse every 5 ms, the meter averages 20 ms
    const points = await flyScan(stage, meter, { start: 10, stop: 11, num: 101, velocity: 2, onDone: (s) => (summary = s) });
    expect(summary?.pulses).toBe(101);
    expect(summary?.missed['power_meter']).toBeGreaterThan(0);
    expect(points).toHaveLength(101 - (summary?.missed['power_meter'] ?? 0));
    expect(summary?.points).toBe(points.length);
    await lab.disconnect();
  });

  it('refuses a fly whose run-up leaves the limits, before anything moves, and restores the velocity after a fly', async () => {
    const { lab, stage, meter } = await opticsLab();
    await expect(flyScan(stage, meter, { start: 0, stop: 10, num: 11, velocity: 5 })).rejects.toMatchObject({ code: 'out_of_range' });
    expect(await stage.position()).toBe(0);
    await flyScan(stage, meter, { start: 5, stop: 10, num: 11, velocity: 1 });
    expect(await (stage as unknown as { getParameter(n: string): Promise<unknown> }).getParameter('velocity')).toBe(10);
    await lab.disconnect();
  });
});
