import { defineCapability } from './define.js';
import type { Reading } from './readable.js';

/**
 * Edge counters of a data-acquisition card: each counts the rising edges at its input from
 * connect (or its last reset) on, never going down. An unknown counter is refused with
 * `not_found`.
 */
export interface Counter {
  /** The counters, by name (`ctr0`). */
  counterChannels(): string[];
  /** Edges counted so far: a reading in `counts`, timestamped when read. */
  readCounter(counter: string): Promise<Reading>;
  /** Sets the count back to 0; counting goes on. */
  resetCounter(counter: string): Promise<void>;
}

export const counter = defineCapability<Counter>()(
  'Counter',
  'counts edges at an input (readCounter, resetCounter)',
  ['counterChannels', 'readCounter', 'resetCounter'],
);
