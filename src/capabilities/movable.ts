import { defineCapability } from './define.js';
import type { Stoppable } from './stoppable.js';

/** Travel range of an axis, in the axis's units. */
export interface Limits {
  min: number;
  max: number;
}

/** Options of a move. */
export interface MoveOptions {
  /**
   * When true (the default) the move resolves once the axis has settled at the target.
   * When false it resolves as soon as the motion has started; use `waitSettled()` later.
   */
  wait?: boolean;
  /** Aborting stops the axis (as `stop()`) and rejects the move with a `cancelled` error. */
  signal?: AbortSignal;
}

/**
 * An axis that moves to positions in its own units (`units`: mm, deg, um, ...).
 * Moves outside `limits()` are refused with an `out_of_range` error before anything moves.
 * `stop()` decelerates the axis to rest (its safe state).
 */
export interface Movable extends Stoppable {
  /** Position units, such as `mm` or `deg`. */
  readonly units: string;
  /** Moves to `position` (in `units`). Waits until settled unless `options.wait` is false. */
  moveAbs(position: number, options?: MoveOptions): Promise<void>;
  /** Moves by `delta` (in `units`) from the current target. Waits like `moveAbs`. */
  moveRel(delta: number, options?: MoveOptions): Promise<void>;
  /** The present position (in `units`); changes while a move is under way. */
  position(): Promise<number>;
  /** Resolves when the axis is at rest; rejects with `deadline_exceeded` after `timeoutS`. */
  waitSettled(timeoutS?: number): Promise<void>;
  /** Soft travel limits (in `units`). */
  limits(): Promise<Limits>;
}

export const movable = defineCapability<Movable>()(
  'Movable',
  'moves to positions within limits (moveAbs, moveRel, position, waitSettled, stop)',
  ['moveAbs', 'moveRel', 'position', 'waitSettled', 'stop', 'limits'],
);
