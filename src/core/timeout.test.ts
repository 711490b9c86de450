import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createSystemClock } from './clock.js';
import { MAX_TIMER_MS, setLongTimeout, withTimeout } from './timeout.js';

const DAY_MS = 86_400_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('timers past 24.8 days', () => {
  test('Node wraps them (why this exists): a plain 30-day setTimeout fires after 1 ms', () => {
    const fn = vi.fn();
    setTimeout(fn, 30 * DAY_MS);
    vi.advanceTimersByTime(2);
    expect(fn).toHaveBeenCalledOnce();
  });

  test('setLongTimeout fires after the whole delay, not before', () => {
    const fn = vi.fn();
    setLongTimeout(fn, 30 * DAY_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY_MS - MAX_TIMER_MS - 1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledOnce();
  });

  test('Infinity never fires; cancelling stops a chained timer', () => {
    const never = vi.fn();
    setLongTimeout(never, Infinity);
    const cancelled = vi.fn();
    const cancel = setLongTimeout(cancelled, 40 * DAY_MS);
    vi.advanceTimersByTime(30 * DAY_MS);
    cancel();
    vi.advanceTimersByTime(365 * DAY_MS);
    expect(never).not.toHaveBeenCalled();
    expect(cancelled).not.toHaveBeenCalled();
  });

  test('the system clock sleeps 1e12 s for 1e12 s (sleep(1e12) returned after 0.04 s)', async () => {
    const clock = createSystemClock();
    let woke = false;
    void clock.sleep(1e12).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(100 * DAY_MS);
    expect(woke).toBe(false);
  });

  test('a timeout of 1e12 s does not expire at once (connect_timeout = 1e12 faulted every device)', async () => {
    let outcome = 'pending';
    withTimeout(new Promise(() => undefined), 1e12, 'too slow').catch((error: Error) => (outcome = error.message));
    await vi.advanceTimersByTimeAsync(100 * DAY_MS);
    expect(outcome).toBe('pending');
  });
});
