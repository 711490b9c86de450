/** Range checks with messages that name the device, the quantity, the value and the limits. */
import type { Limits } from '../capabilities/index.js';
import { DaqError } from '../core/index.js';

/**
 * Throws `out_of_range` unless `min <= value <= max`, and `invalid_argument` unless `value` is
 * a finite number. Example message: `stage: position 60 mm is outside the limits 0..50 mm`.
 */
export function requireInRange(device: string, quantity: string, value: number, limits: Limits, units: string): void {
  const u = units === '' ? '' : ` ${units}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DaqError('invalid_argument', `${device}: ${quantity} must be a finite number, got ${String(value)}`, {
      device,
    });
  }
  if (value < limits.min || value > limits.max) {
    throw new DaqError(
      'out_of_range',
      `${device}: ${quantity} ${value}${u} is outside the limits ${limits.min}..${limits.max}${u}`,
      { device },
    );
  }
}

/**
 * The checks of `Movable` moves: a finite `step` for a relative move (when given), and a
 * `target` within the travel `limits`. Shared by every axis, simulated or real.
 */
export function requireMoveTarget(device: string, target: number, limits: Limits, units: string, step?: number): void {
  if (step !== undefined) requireInRange(device, 'step', step, { min: -Infinity, max: Infinity }, units);
  requireInRange(device, 'position', target, limits, units);
}
