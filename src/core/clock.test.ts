import { describe, expect, it, vi } from 'vitest';
import { createPreciseTime, createSystemClock } from './clock.js';

describe('system clock', () => {
  it('tells apart times a few microseconds apart (Date.now() gives one value per millisecond)', () => {
    const now = createSystemClock().now;
    const times: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // About as much work as recording an event: a few microseconds.
      JSON.stringify({ i, x: Math.sqrt(i) });
      times.push(now());
    }
    const distinct = new Set(times).size;
    const spanMs = ((times.at(-1) as number) - (times[0] as number)) * 1000;
    // A millisecond clock cannot give more distinct values than milliseconds elapsed.
    expect(distinct).toBeGreaterThan(Math.ceil(spanMs) + 1);
    expect(distinct).toBeGreaterThanOrEqual(19_900);
  });

  it('never goes backwards and stays tied to the epoch', () => {
    const now = createPreciseTime();
    let previous = now();
    let backwards = 0;
    for (let i = 0; i < 10_000; i++) {
      const t = now();
      if (t < previous) backwards++;
      previous = t;
    }
    expect(backwards).toBe(0);
    expect(Math.abs(now() - Date.now() / 1000)).toBeLessThan(0.01);
  });

  it('sleeps under a millisecond without a timer (a timer would make a 20 ns move last a millisecond or more), and never wakes early', async () => {
    const clock = createSystemClock();
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      for (const seconds of [2e-8, 5e-5, 4e-4]) {
        const t0 = clock.now();
        await clock.sleep(seconds);
        expect(clock.now() - t0).toBeGreaterThanOrEqual(seconds);
      }
      expect(timers).not.toHaveBeenCalled();
      // an abort still ends such a sleep
      const aborter = new AbortController();
      const sleeping = clock.sleep(9e-4, aborter.signal);
      aborter.abort();
      await expect(sleeping).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      timers.mockRestore();
    }
  });

  it('shares one time line among the clocks of a process', () => {
    const a = createSystemClock();
    const b = createSystemClock();
    const ta = a.now();
    const tb = b.now();
    expect(tb).toBeGreaterThanOrEqual(ta);
  });
});
