/** A minimal typed event emitter: `on` returns the function that unsubscribes. */

/** Call it to stop listening. */
export type Unsubscribe = () => void;

/** Listeners of one event type. A listener that throws does not stop the others. */
export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>();

  /** Adds a listener; returns the function that removes it. */
  on(listener: (event: T) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener with `event`; errors thrown by listeners are reported as process warnings, not rethrown. */
  emit(event: T): void {
    for (const listener of [...this.listeners]) {
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
