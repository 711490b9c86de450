/**
 * One simulated motor axis for the wire simulators (ESP300 axes, ELL14 mounts): trapezoidal
 * moves and decelerating stops from `../sim/motion-profile.ts`, sampled at the simulator's
 * clock (real seconds, as the driver at the other end of the PTY waits in real time).
 */
import { planMove, planStop, restingProfile, sampleProfile, type MotionProfile } from '../sim/motion-profile.js';

/** A simulated axis; positions in the axis's units, times in s of `now()`. */
export class SimAxis {
  /** Top speed, units/s. */
  velocity: number;
  /** Acceleration and deceleration, units/s^2. */
  acceleration: number;
  private profile: MotionProfile;

  constructor(
    private readonly now: () => number,
    position: number,
    velocity: number,
    acceleration: number,
  ) {
    this.velocity = velocity;
    this.acceleration = acceleration;
    this.profile = restingProfile(position, now());
  }

  /** Present position, units. */
  get position(): number {
    return sampleProfile(this.profile, this.now()).x;
  }

  /** Where the axis comes to rest, units. */
  get target(): number {
    return this.profile.final;
  }

  /** True while moving. */
  get moving(): boolean {
    return this.now() < this.profile.endS;
  }

  /** Seconds until at rest. */
  get remainingS(): number {
    return Math.max(0, this.profile.endS - this.now());
  }

  /** Starts a move to `target` from wherever the axis is (moving or not). */
  moveTo(target: number): void {
    const t = this.now();
    this.profile = planMove(sampleProfile(this.profile, t), target, { vmax: this.velocity, accel: this.acceleration }, t);
  }

  /** Decelerates to rest. */
  stop(): void {
    const t = this.now();
    const state = sampleProfile(this.profile, t);
    this.profile = planStop(state, this.acceleration, t);
  }

  /** Puts the axis at `position` at once (homing done, power cycle). */
  set(position: number): void {
    this.profile = restingProfile(position, this.now());
  }
}
