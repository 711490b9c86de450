/**
 * Motion of a simulated axis: a profile made of segments of constant acceleration, planned once
 * when a move starts and sampled at any later time. Positions are in the axis's units (mm, deg),
 * velocities in units/s, accelerations in units/s^2, times in seconds.
 *
 * A point-to-point move from rest is the classic trapezoid: accelerate at `a` up to the
 * velocity limit `vmax`, cruise, decelerate at `a` to rest exactly at the target. When the
 * distance is too short to reach `vmax` the cruise vanishes and the profile is a triangle that
 * peaks at `sqrt(a * d)`. A move that starts while the axis is already moving starts from its
 * present position and velocity, so position and velocity stay continuous.
 */

/** A phase of constant acceleration. */
export interface MotionSegment {
  /** Time after the profile's start at which the segment begins, s. */
  offsetS: number;
  /** Duration, s. */
  durationS: number;
  /** Position at the start of the segment, units. */
  x0: number;
  /** Velocity at the start of the segment, units/s. */
  v0: number;
  /** Constant acceleration during the segment, units/s^2 (signed). */
  accel: number;
}

/** A planned motion: segments from `startS`, ending at rest at `final`. */
export interface MotionProfile {
  /** Clock time at which the motion starts, s since the epoch. */
  startS: number;
  /** Clock time at which the axis comes to rest, s since the epoch. */
  endS: number;
  /** Position at rest after the motion, units. */
  final: number;
  /** Magnitude of the acceleration the profile brakes with, units/s^2 (used to stop it). */
  accel: number;
  segments: readonly MotionSegment[];
}

/** Position (units) and velocity (units/s) of an axis at one instant. */
export interface MotionState {
  x: number;
  v: number;
}

/** Limits of a move: top speed (units/s, > 0) and acceleration (units/s^2, > 0). */
export interface MotionLimits {
  vmax: number;
  accel: number;
}

/** A profile that stays at rest at `x` from `startS` on. */
export function restingProfile(x: number, startS: number): MotionProfile {
  return { startS, endS: startS, final: x, accel: 0, segments: [] };
}

/** Builds segments one after the other, integrating position and velocity as it goes. */
class SegmentBuilder {
  readonly segments: MotionSegment[] = [];
  private offsetS = 0;

  constructor(public x: number, public v: number) {}

  /** Appends `durationS` of constant acceleration `accel`. */
  add(durationS: number, accel: number): void {
    if (!(durationS > 0)) return;
    this.segments.push({ offsetS: this.offsetS, durationS, x0: this.x, v0: this.v, accel });
    // Constant acceleration: x(t) = x0 + v0 t + a t^2 / 2, v(t) = v0 + a t.
    this.x += this.v * durationS + 0.5 * accel * durationS * durationS;
    this.v += accel * durationS;
    this.offsetS += durationS;
  }

  profile(startS: number, final: number, accel: number): MotionProfile {
    return { startS, endS: startS + this.offsetS, final, accel, segments: this.segments };
  }
}

/**
 * Plans a move from `from` (possibly moving) to rest at `target`. `brakeAccel` (default
 * `limits.accel`) is the deceleration used when the axis must first come to rest because it
 * moves away from the target or too fast to stop before it.
 */
export function planMove(
  from: MotionState,
  target: number,
  limits: MotionLimits,
  startS: number,
  brakeAccel = limits.accel,
): MotionProfile {
  const { vmax, accel: a } = limits;
  const path = new SegmentBuilder(from.x, from.v);
  let distance = target - path.x;
  // Stopping distance at deceleration a from speed v is v^2 / (2a). If the axis moves away
  // from the target, or could not stop before it, brake to rest first and start afresh.
  const brakeDistance = (path.v * path.v) / (2 * a);
  if (path.v !== 0 && (Math.sign(path.v) !== Math.sign(distance) || brakeDistance > Math.abs(distance) * (1 + 1e-12))) {
    path.add(Math.abs(path.v) / brakeAccel, -Math.sign(path.v) * brakeAccel);
    path.v = 0;
    distance = target - path.x;
  }
  const direction = Math.sign(distance);
  const d = Math.abs(distance);
  const s = Math.abs(path.v);
  if (d === 0) return path.profile(startS, target, Math.max(a, brakeAccel));
  // Peak speed: the axis speeds up from s to vp then slows to 0, covering
  // (vp^2 - s^2)/(2a) + vp^2/(2a) <= d, so vp <= sqrt(a d + s^2 / 2); capped at vmax.
  // When s > vmax (vmax was lowered during a move) the first phase slows down to vmax.
  // Either way the first phase travels |vp^2 - s^2| / (2a) towards the target.
  const vp = Math.min(vmax, Math.sqrt(a * d + (s * s) / 2));
  const rampDistance = Math.abs(vp * vp - s * s) / (2 * a);
  const brakeToRest = (vp * vp) / (2 * a);
  const cruise = Math.max(0, d - rampDistance - brakeToRest);
  path.add(Math.abs(vp - s) / a, direction * Math.sign(vp - s) * a);
  path.add(vp > 0 ? cruise / vp : 0, 0);
  path.add(vp / a, -direction * a);
  return path.profile(startS, target, a);
}

/**
 * Plans a stop: decelerate at `accel` from the present velocity to rest. The axis comes to
 * rest `v^2 / (2 accel)` beyond where the stop began.
 */
export function planStop(from: MotionState, accel: number, startS: number): MotionProfile {
  const path = new SegmentBuilder(from.x, from.v);
  if (from.v !== 0) path.add(Math.abs(from.v) / accel, -Math.sign(from.v) * accel);
  return path.profile(startS, path.x, accel);
}

/** Position and velocity along `profile` at clock time `tS`. */
export function sampleProfile(profile: MotionProfile, tS: number): MotionState {
  if (tS >= profile.endS) return { x: profile.final, v: 0 };
  const t = tS - profile.startS;
  const first = profile.segments[0];
  if (first === undefined) return { x: profile.final, v: 0 };
  if (t <= 0) return { x: first.x0, v: first.v0 };
  for (const segment of profile.segments) {
    const tau = t - segment.offsetS;
    if (tau <= segment.durationS) {
      return {
        x: segment.x0 + segment.v0 * tau + 0.5 * segment.accel * tau * tau,
        v: segment.v0 + segment.accel * tau,
      };
    }
  }
  return { x: profile.final, v: 0 };
}

/**
 * Distance an axis needs to reach `velocity` from rest at `accel` (v^2 / 2a), units: a fly scan
 * starts this far before its first point, so the axis crosses every point at constant velocity.
 */
export function runUpDistance(velocity: number, accel: number): number {
  return (velocity * velocity) / (2 * accel);
}

/**
 * The first clock time at or after `fromS` at which `profile` passes through `x` while moving
 * (a segment at rest never crosses), or `undefined` when it does not before coming to rest.
 * Within a segment x(tau) = x0 + v0 tau + a tau^2 / 2 = x is a quadratic in tau; its smallest
 * root inside the segment (and not before `fromS`) is the crossing.
 */
export function crossingTime(profile: MotionProfile, x: number, fromS: number): number | undefined {
  const slack = 1e-12;
  for (const segment of profile.segments) {
    const segmentStartS = profile.startS + segment.offsetS;
    const lo = Math.max(0, fromS - segmentStartS);
    if (lo > segment.durationS + slack) continue;
    const { x0, v0, accel } = segment;
    let roots: number[];
    if (accel === 0) roots = v0 === 0 ? [] : [(x - x0) / v0];
    else {
      const discriminant = v0 * v0 + 2 * accel * (x - x0);
      if (discriminant < 0) continue;
      const root = Math.sqrt(discriminant);
      roots = [(-v0 - root) / accel, (-v0 + root) / accel].sort((a, b) => a - b);
    }
    const tau = roots.find((r) => r >= lo - slack && r <= segment.durationS + slack);
    if (tau !== undefined) return segmentStartS + Math.max(lo, tau);
  }
  return undefined;
}
