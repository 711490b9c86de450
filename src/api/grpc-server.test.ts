import { EventEmitter, getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { drainedOrAborted, PendingWrites } from './grpc-server.js';

describe('drainedOrAborted', () => {
  it('leaves no listener on the stream or the signal after many drains', async () => {
    const stream = new EventEmitter();
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) {
      const waiting = drainedOrAborted(stream, controller.signal);
      stream.emit('drain');
      await waiting;
    }
    expect(stream.listenerCount('drain')).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('resolves on abort and removes its drain listener', async () => {
    const stream = new EventEmitter();
    const controller = new AbortController();
    const waiting = drainedOrAborted(stream, controller.signal);
    controller.abort();
    await waiting;
    expect(stream.listenerCount('drain')).toBe(0);
    await drainedOrAborted(stream, controller.signal); // already aborted: at once
    expect(stream.listenerCount('drain')).toBe(0);
  });
});

describe('PendingWrites (what a follower of a running run is paced by)', () => {
  it('lets the next response be made only when at most `ahead` written ones are still to go out, or the call ended', async () => {
    const controller = new AbortController();
    const writes = new PendingWrites(controller.signal);
    const callbacks = [writes.started(), writes.started(), writes.started()];
    let ready = false;
    const waiting = writes.done(1).then(() => (ready = true));
    callbacks[0]?.();
    await Promise.resolve();
    expect(ready).toBe(false); // two still to go out
    callbacks[1]?.();
    await waiting;
    expect(ready).toBe(true);
    await writes.done(1); // one to go: at once
    let ended = false;
    const blocked = writes.done(0).then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    controller.abort(); // a cancelled call's writes never finish: the wait ends with it
    await blocked;
    expect(ended).toBe(true);
  });
});
