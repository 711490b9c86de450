/**
 * What a conformance suite gets from the driver under test: a connected device, the clock it
 * runs on, and a way to tear it down. Each test case makes a fresh harness, so cases never see
 * each other's state. Also the clock helpers the suites share (waiting, polling).
 *
 * This file is free of vitest so that harness builders may import it from anywhere in test code.
 */
import type { Clock } from '../core/clock.js';
import type { Device } from '../devices/device.js';
import { hasCapability, type CapabilityName, type CapabilityOf } from '../capabilities/index.js';

/**
 * A connected device under test.
 *
 * The clock must move by itself: an auto-advancing `VirtualClock` (the default, and the fast
 * choice) or the system clock. Device operations wait on it (a move, an exposure), and so do
 * the suites, through `clock.sleep`.
 */
export interface Harness<T extends Device = Device> {
  /** The device, already connected (state `idle`). */
  device: T;
  /** The clock the device runs on. */
  clock: Clock;
  /** Disconnects the device and anything made for it (other devices of a little lab). Safe to call twice. */
  close(): Promise<void>;
}

/** Makes a fresh harness: a new device (and clock), connected. */
export type HarnessFactory<T extends Device = Device> = () => Promise<Harness<T>>;

/**
 * Wraps `create` so that each harness it makes is checked to implement capability `name`
 * (closing it and throwing when it does not), and typed accordingly.
 */
export function requireCapability<N extends CapabilityName>(
  create: HarnessFactory,
  name: N,
): HarnessFactory<CapabilityOf<N> & Device> {
  return async () => {
    const harness = await create();
    const { device } = harness;
    if (!hasCapability(device, name)) {
      await harness.close();
      throw new Error(`${device.name} (${device.driver}) does not implement ${name}`);
    }
    return { ...harness, device };
  };
}

/**
 * A harness over devices already made: connects each of `devices` in order (the device under
 * test is `devices[0]`), and closes them in reverse order.
 */
export async function connectHarness<T extends Device>(
  clock: Clock,
  device: T,
  others: readonly Device[] = [],
): Promise<Harness<T>> {
  const all: Device[] = [...others, device];
  for (const each of all) await each.connect(new AbortController().signal);
  return {
    device,
    clock,
    close: async () => {
      for (const each of [...all].reverse()) await each.disconnect();
    },
  };
}

/** Lets `seconds` of `clock` time pass. */
export function elapse(clock: Clock, seconds: number): Promise<void> {
  return clock.sleep(seconds);
}

/**
 * Polls `condition` every `stepS` of clock time until it holds; rejects, naming `what`, once
 * `timeoutS` of clock time have passed without it holding.
 */
export async function waitUntil(
  clock: Clock,
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutS: number,
  stepS = timeoutS / 100,
): Promise<void> {
  const deadline = clock.now() + timeoutS;
  while (!(await condition())) {
    if (clock.now() >= deadline) throw new Error(`${what} did not happen within ${timeoutS} s of clock time`);
    await clock.sleep(stepS);
  }
}
