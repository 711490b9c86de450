/**
 * "Stop when": a condition any plan can be given, which ends it early and cleanly once a reading
 * crosses a threshold: `stopWhen: { device: power_meter, above: 1e-3 }`. It is declarative (a
 * device and a threshold, not a callback) because the plan runs in the daemon, out of the
 * script's reach. The point whose reading crossed is read and recorded like any other; the plan
 * then returns the points so far, and the run goes on (step-scan.ts checks it after each point).
 */
import { DaqError } from '../../core/index.js';

/** A device named in a plan's options: the device itself, or its name in the lab. */
export type DeviceRef = string | { readonly name: string };

/**
 * Ends a plan once the reading of `device` is above `above` or below `below` (in the device's
 * units; both given: once it leaves the band between them). `device` is one of the plan's
 * detectors, or its motor (its position), so the reading that stopped the plan is in its data.
 */
export type StopWhen = { device: DeviceRef; above: number; below?: number } | { device: DeviceRef; below: number; above?: number };

/** What a condition looks at in a scan point (step-scan.ts's `ScanPoint`; not imported, as step-scan.ts imports this file). */
export interface WatchedPoint {
  positions: Readonly<Record<string, number>>;
  readings: Readonly<Record<string, { value: unknown }>>;
}

/** Why the scan stops after `point`, or undefined to go on. */
export type StopCheck = (point: WatchedPoint) => string | undefined;

interface Watched {
  device: string;
  /** Where its value is in a point. */
  from: 'readings' | 'positions';
  above: number | undefined;
  below: number | undefined;
  units: string;
}

/** What {@link stopCheck} needs to know of a plan's devices. */
interface PlanDevice {
  readonly name: string;
  readonly units?: string;
  describe?(): { shape: readonly number[]; units: string };
}

/**
 * The check of `stopWhen` (one condition or a list: the first that holds stops the plan), or
 * undefined when there is none. Refuses, naming `plan` and the option, a condition that could
 * never be checked: a device that is not one of the plan's, no threshold, a reading that is not
 * a number.
 */
export function stopCheck(stopWhen: unknown, plan: string, motors: readonly PlanDevice[], detectors: readonly PlanDevice[]): StopCheck | undefined {
  if (stopWhen === undefined || stopWhen === null) return undefined;
  const list = Array.isArray(stopWhen) ? (stopWhen as unknown[]) : [stopWhen];
  const watched = list.map((c, i) => watchedOf(c, Array.isArray(stopWhen) ? `stopWhen[${i}]` : 'stopWhen', plan, motors, detectors));
  return (point) => {
    for (const w of watched) {
      const value = w.from === 'positions' ? point.positions[w.device] : point.readings[w.device]?.value;
      if (typeof value !== 'number') continue;
      const units = w.units === '' ? '' : ` ${w.units}`;
      const what = `${w.device} read ${format(value)}${units}`;
      if (w.above !== undefined && value > w.above) return `stopWhen: ${what}, above ${format(w.above)}${units}`;
      if (w.below !== undefined && value < w.below) return `stopWhen: ${what}, below ${format(w.below)}${units}`;
    }
    return undefined;
  };
}

function watchedOf(raw: unknown, option: string, plan: string, motors: readonly PlanDevice[], detectors: readonly PlanDevice[]): Watched {
  const refuse = (problem: string): never => {
    throw new DaqError('invalid_argument', `${plan}: ${option}${problem.startsWith('.') ? '' : ' '}${problem}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return refuse(`must be an object such as { device: ${detectors[0]?.name ?? 'power_meter'}, above: 0.001 }, got ${JSON.stringify(raw)}`);
  }
  const { device, above, below, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) refuse(`has no option "${extra[0]}" (it takes device, above, below)`);
  const name = typeof device === 'string' ? device : typeof device === 'object' && device !== null && typeof (device as { name?: unknown }).name === 'string' ? (device as { name: string }).name : undefined;
  const own = [...detectors, ...motors].map((d) => d.name);
  if (name === undefined) refuse(`.device must be one of the plan's devices (${own.join(', ')}), got ${JSON.stringify(device)}`);
  const detector = detectors.find((d) => d.name === name);
  const motor = motors.find((m) => m.name === name);
  if (detector === undefined && motor === undefined) {
    refuse(`.device ${String(name)} is not read by this plan: it watches one of the plan's devices (${own.join(', ')}), so the reading that stops it is in its data`);
  }
  for (const [key, value] of [['above', above], ['below', below]] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) refuse(`.${key} must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (above === undefined && below === undefined) refuse('needs a threshold: above, below or both');
  if (typeof above === 'number' && typeof below === 'number' && below > above) {
    refuse(`.below (${below}) is above .above (${above}): the plan would stop at its first point`);
  }
  const key = detector?.describe?.();
  if (key !== undefined && key.shape.length > 0) refuse(`.device ${String(name)} reads arrays (shape [${key.shape.join(', ')}]); a threshold needs a single number`);
  return {
    device: name as string,
    from: detector === undefined ? 'positions' : 'readings',
    above: above as number | undefined,
    below: below as number | undefined,
    units: key?.units ?? motor?.units ?? '',
  };
}

function format(value: number): string {
  return String(Number(value.toPrecision(6)));
}
