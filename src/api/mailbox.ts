/**
 * A bounded queue between a producer that must never wait (acquisition, the run engine) and
 * one client that may be slow. When the client falls behind by `capacity` items, the oldest are
 * dropped and counted; the client sees the count with the next item it takes. Closing ends the
 * client's iteration; aborting its signal detaches it, so a vanished client leaves nothing behind.
 */

/** An item with how many were dropped before it. */
export interface Delivery<T> {
  item: T;
  /** Items dropped so far for this client (cumulative). */
  dropped: number;
}

/** One client's queue. */
export class Mailbox<T> implements AsyncIterable<Delivery<T>> {
  private readonly items: T[] = [];
  private droppedCount = 0;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly capacity: number,
    signal?: AbortSignal,
  ) {
    signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** Adds an item; never blocks. Drops the oldest item when full. */
  push(item: T): void {
    if (this.closed) return;
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.droppedCount++;
    }
    this.items.push(item);
    this.wake?.();
  }

  /** Replaces everything queued with `item` (for state, where only the latest matters). */
  replace(item: T): void {
    if (this.closed) return;
    this.droppedCount += this.items.length;
    this.items.length = 0;
    this.items.push(item);
    this.wake?.();
  }

  /** Ends the iteration once the queued items are taken. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Items dropped so far. */
  get dropped(): number {
    return this.droppedCount;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Delivery<T>> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield { item, dropped: this.droppedCount };
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
