/** A minimal typed event emitter: `on` returns the function that unsubscribes. */

/** Call it to stop listening. */
export type Unsubscribe = () => void;

/** Listeners of one event type. A listener that throws does not stop the others. */
export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>();
  /**
   * The listeners as an array, made anew when one is added or removed (not on each emit: an
   * event of every scan point would otherwise copy them each time); an emit calls the listeners
   * of the moment it started, whatever they add or remove meanwhile.
   */
  private snapshot: readonly ((event: T) => void)[] = [];

  /** Adds a listener; returns the function that removes it. */
  on(listener: (event: T) => void): Unsubscribe {
    if (!this.listeners.has(listener)) {
      this.listeners.add(listener);
      this.snapshot = [...this.listeners];
    }
    return () => {
      if (this.listeners.delete(listener)) this.snapshot = [...this.listeners];
    };
  }

  /** Calls every listener with `event`; errors thrown by listeners are reported as process warnings, not rethrown. */
  emit(event: T): void {
    for (const listener of this.snapshot) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`event listener failed: ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
  }

  /** Number of listeners. */
  get size(): number {
    return this.listeners.size;
  }
}
