import { EventEmitter, getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { drainedOrAborted } from './grpc-server.js';

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
