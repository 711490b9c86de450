import { describe, expect, it } from 'vitest';
import { planMove, planStop, sampleProfile, type MotionProfile } from './motion-profile.js';

const limits = { vmax: 5, accel: 20 };

/** Largest jump in position and velocity between samples `dtS` apart (checks continuity). */
function largestJumps(profile: MotionProfile, dtS: number): { dx: number; dv: number } {
  let previous = sampleProfile(profile, profile.startS);
  let dx = 0;
  let dv = 0;
  for (let t = profile.startS + dtS; t <= profile.endS + dtS; t += dtS) {
    const now = sampleProfile(profile, t);
    dx = Math.max(dx, Math.abs(now.x - previous.x));
    dv = Math.max(dv, Math.abs(now.v - previous.v));
    previous = now;
  }
  return { dx, dv };
}

describe('planMove', () => {
  it('plans a trapezoid for a long move: ramp 0.25 s, cruise at vmax, ramp 0.25 s', () => {
    const profile = planMove({ x: 0, v: 0 }, 50, limits, 100);
    // Ramps cover v^2/2a = 0.625 mm each; the other 48.75 mm at 5 mm/s take 9.75 s.
    expect(profile.endS - profile.startS).toBeCloseTo(10.25, 9);
    expect(sampleProfile(profile, 100.25)).toEqual({ x: expect.closeTo(0.625, 9), v: expect.closeTo(5, 9) });
    expect(sampleProfile(profile, 105).v).toBeCloseTo(5, 9);
    expect(sampleProfile(profile, 200)).toEqual({ x: 50, v: 0 });
  });

  it('plans a triangle when the move is too short to reach vmax', () => {
    const profile = planMove({ x: 10, v: 0 }, 9.8, limits, 0);
    // Peak speed sqrt(a d) = 2 mm/s < vmax, reached after 0.1 s.
    expect(profile.endS).toBeCloseTo(0.2, 9);
    expect(sampleProfile(profile, 0.1)).toEqual({ x: expect.closeTo(9.9, 9), v: expect.closeTo(-2, 9) });
  });

  it('starts from a moving state without jumps and ends at rest at the target', () => {
    const first = planMove({ x: 0, v: 0 }, 50, limits, 0);
    const state = sampleProfile(first, 3);
    const back = planMove(state, 5, limits, 3);
    expect(sampleProfile(back, 3)).toEqual(state);
    expect(sampleProfile(back, back.endS)).toEqual({ x: 5, v: 0 });
    const jumps = largestJumps(back, 1e-3);
    expect(jumps.dx).toBeLessThan(5 * 1e-3 + 1e-9);
    expect(jumps.dv).toBeLessThan(20 * 1e-3 + 1e-9);
    // It had to brake first: it went past the point where the new move began.
    let furthest = 0;
    for (let t = 3; t < back.endS; t += 1e-3) furthest = Math.max(furthest, sampleProfile(back, t).x);
    expect(furthest).toBeCloseTo(state.x + 0.625, 3);
  });

  it('plans nothing for a move to where the axis rests', () => {
    const profile = planMove({ x: 3, v: 0 }, 3, limits, 7);
    expect(profile.endS).toBe(7);
    expect(sampleProfile(profile, 7)).toEqual({ x: 3, v: 0 });
  });
});

describe('planStop', () => {
  it('comes to rest v^2/2a beyond the stop point', () => {
    const stop = planStop({ x: 10, v: -4 }, 8, 0);
    expect(stop.final).toBeCloseTo(9, 12);
    expect(stop.endS).toBeCloseTo(0.5, 12);
    expect(sampleProfile(stop, 0.25).v).toBeCloseTo(-2, 12);
  });
});
