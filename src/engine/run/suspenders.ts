/**
 * Suspenders (after Bluesky's SuspendFloor, SuspendCeil, SuspendWhenOutsideBand, SuspendBoolHigh):
 * conditions on a device of the lab that hold a run while they are true. Each is checked on the
 * run's clock every `every` and at the end of every plan point; while one holds the run is
 * `suspended` (it waits at its next checkpoint, the devices stay where they are), and once the
 * condition has been clear for `settle` the run goes on by itself. A plan point during which a
 * suspension began is taken again (see {@link RunSuspenders.interrupted}). Each suspension and
 * resumption is recorded as an event of the run's `suspensions` stream.
 */
import { isReadable, isReading } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import type { Device, Lab } from '../../devices/index.js';
import { getterUnitsOf } from './device-getters.js';
import type { Run } from './run.js';

/** A condition that suspends a run while it holds, on `device.method()` (default `read()`). */
export interface SuspenderSpec {
  /** The device watched, by name. */
  device: string;
  /** The getter read: `read` (default), or one with units such as `temperature`, `position`, `isEmissionEnabled`. */
  method?: string;
  /** Holds while the value is below this (a floor, in the value's units). */
  below?: number;
  /** Holds while the value is above this (a ceiling). */
  above?: number;
  /** Holds while the value is outside this band `[low, high]`. */
  outside?: [number, number];
  /** Holds while the value equals this (`false` for `isEmissionEnabled`: emission off). */
  equals?: number | boolean | string;
  /** Holds while the device is faulted or disconnected. */
  faulted?: boolean;
  /** Time the condition must stay clear before the run goes on, s (default {@link DEFAULT_SETTLE_S}). */
  settle?: number;
  /** Time between checks, s (default {@link DEFAULT_EVERY_S}). */
  every?: number;
}

/** Default settle time of a suspender, s. */
export const DEFAULT_SETTLE_S = 1;
/** Default time between two checks of a suspender, s. */
export const DEFAULT_EVERY_S = 0.1;
/** The stream suspensions and resumptions are recorded to. */
export const SUSPENSIONS_STREAM = 'suspensions';

const KEYS = new Set(['device', 'method', 'below', 'above', 'outside', 'equals', 'faulted', 'settle', 'every']);

/** A suspension or resumption, as recorded in the `suspensions` stream. */
export interface SuspensionChange {
  /** True when the run was suspended, false when it went on. */
  suspended: boolean;
  /** The suspender, as written (`power_meter.read() below 0.5`). */
  suspender: string;
  /** Why: the value seen, or how long it was clear. */
  reason: string;
}

/**
 * Checks `raw` as a suspender of `lab` and returns it; `where` (`suspendWhen`, `the run request`)
 * is named in errors, with the field that is wrong.
 */
export function parseSuspender(raw: unknown, lab: Lab, where: string): Required<Pick<SuspenderSpec, 'device' | 'method' | 'settle' | 'every'>> & SuspenderSpec {
  const bad = (message: string): never => {
    throw new DaqError('invalid_argument', `${where}: ${message}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('a suspender is an object such as {device: "power_meter", below: 0.5}');
  const spec = raw as Record<string, unknown>;
  for (const key of Object.keys(spec)) if (!KEYS.has(key)) bad(`unknown field "${key}" (known: ${[...KEYS].join(', ')})`);
  if (typeof spec['device'] !== 'string') bad('"device" must name a device of the lab');
  const device = lab.devices().find((d) => d.name === spec['device']) ?? bad(`no device "${String(spec['device'])}" in the lab`);
  const method = spec['method'] ?? 'read';
  const onValue = ['below', 'above', 'outside', 'equals'].some((key) => spec[key] !== undefined);
  if (typeof method !== 'string' || (onValue && !isWatchable(device, method))) {
    bad(`${device.name}.${String(method)}() cannot be watched: give "read" for a Readable device, or a getter such as temperature, position, wavelength, isEmissionEnabled`);
  }
  const number = (key: string): void => {
    if (spec[key] !== undefined && (typeof spec[key] !== 'number' || !Number.isFinite(spec[key]))) bad(`"${key}" must be a number, got ${JSON.stringify(spec[key])}`);
  };
  number('below');
  number('above');
  const band = spec['outside'];
  if (band !== undefined && !(Array.isArray(band) && band.length === 2 && band.every((v) => typeof v === 'number' && Number.isFinite(v)) && band[0] < band[1])) {
    bad(`"outside" must be a band [low, high] of two numbers, low below high, got ${JSON.stringify(band)}`);
  }
  const equals = spec['equals'];
  if (equals !== undefined && !['number', 'boolean', 'string'].includes(typeof equals)) bad(`"equals" must be a number, boolean or string, got ${JSON.stringify(equals)}`);
  if (spec['faulted'] !== undefined && spec['faulted'] !== true) bad('"faulted" can only be true');
  if (['below', 'above', 'outside', 'equals', 'faulted'].every((key) => spec[key] === undefined)) {
    bad(`${device.name}: give a condition: below, above, outside [low, high], equals or faulted: true`);
  }
  for (const key of ['settle', 'every']) {
    number(key);
    if (typeof spec[key] === 'number' && (spec[key] < 0 || (key === 'every' && spec[key] === 0))) bad(`"${key}" must be ${key === 'every' ? 'above 0' : '0 or more'} (seconds)`);
  }
  return { ...(spec as unknown as SuspenderSpec), device: device.name, method: method as string, settle: (spec['settle'] as number | undefined) ?? DEFAULT_SETTLE_S, every: (spec['every'] as number | undefined) ?? DEFAULT_EVERY_S };
}

/** Whether `device.method()` gives a value a suspender can watch. */
function isWatchable(device: Device, method: string): boolean {
  return (method === 'read' && isReadable(device)) || getterUnitsOf(device, method) !== undefined;
}

/** The suspender as a scientist would say it: `power_meter.read() below 0.5`. */
export function describeSuspender(spec: SuspenderSpec): string {
  const what = `${spec.device}.${spec.method ?? 'read'}()`;
  const parts: string[] = [];
  if (spec.below !== undefined) parts.push(`below ${spec.below}`);
  if (spec.above !== undefined) parts.push(`above ${spec.above}`);
  if (spec.outside !== undefined) parts.push(`outside ${spec.outside[0]}..${spec.outside[1]}`);
  if (spec.equals !== undefined) parts.push(`equal to ${JSON.stringify(spec.equals)}`);
  if (spec.faulted === true) parts.push('faulted');
  return `${spec.faulted === true && parts.length === 1 ? spec.device : what} ${parts.join(' or ')}`;
}

interface Watch {
  key: string;
  spec: ReturnType<typeof parseSuspender>;
  /** When the condition was first seen clear again after holding (s, run clock). */
  clearSinceS: number | undefined;
  /** The checks of this suspender, one after the other. */
  chain: Promise<void>;
  /** Aborted when the suspender is removed or the run ends. */
  stopped: AbortController;
}

/** The suspenders of one run: watching, suspending, resuming, and telling which steps to retake. */
export class RunSuspenders {
  private readonly watches: Watch[] = [];
  private readonly closer = new AbortController();
  private added = 0;

  /**
   * @param report told of each suspension and resumption (the run engine records it and tells clients)
   */
  constructor(
    private readonly lab: Lab,
    private readonly clock: Clock,
    private readonly run: Run,
    private readonly report: (change: SuspensionChange) => void,
  ) {}

  /** How many suspenders the run has. */
  get size(): number {
    return this.watches.length;
  }

  /**
   * Adds a suspender and checks it at once (one that holds suspends the run now), then watches
   * it. Returns its id, for {@link remove}.
   */
  async add(raw: unknown, where: string): Promise<number> {
    if (this.closer.signal.aborted) throw new DaqError('failed_precondition', `${where}: the run has ended`);
    const spec = parseSuspender(raw, this.lab, where);
    const id = this.added++;
    const watch: Watch = { key: `${id}: ${describeSuspender(spec)}`, spec, clearSinceS: undefined, chain: Promise.resolve(), stopped: new AbortController() };
    this.watches.push(watch);
    await this.check(watch);
    void this.watch(watch);
    return id;
  }

  /** Removes suspender `id`: no longer watched; if it held the run, the run goes on (recorded as a resumption). */
  remove(id: number): void {
    const watch = this.watches.find((w) => w.key.startsWith(`${id}: `));
    if (watch === undefined) return;
    this.watches.splice(this.watches.indexOf(watch), 1);
    watch.stopped.abort();
    if (!this.run.holdsFor(watch.key)) return;
    this.run.unsuspend(watch.key);
    this.report({ suspended: false, suspender: describeSuspender(watch.spec), reason: 'the suspender was removed' });
  }

  /** A mark taken at the start of a step, for {@link interrupted}. */
  mark(): number {
    return this.run.suspensionCount;
  }

  /**
   * At the end of a step begun at `mark`: checks every condition now (a watched reading among
   * `readings`, by device name, is used instead of reading the device again) and answers true
   * when a suspension began since the mark: the step's readings may have been taken while the
   * condition held, so it must be taken again (after the run goes on).
   */
  async interrupted(mark: number, readings: Record<string, unknown> = {}): Promise<boolean> {
    if (this.watches.length > 0) await Promise.all(this.watches.map((w) => this.check(w, w.spec.method === 'read' ? readings[w.spec.device] : undefined)));
    return this.run.suspensionCount !== mark;
  }

  /** Stops watching (the run has ended); the run is no longer held by any suspender. */
  close(): void {
    this.closer.abort();
    for (const watch of this.watches) {
      watch.stopped.abort();
      this.run.unsuspend(watch.key);
    }
  }

  private async watch(watch: Watch): Promise<void> {
    const signal = watch.stopped.signal;
    while (!signal.aborted) {
      // Settling: wake up when the settle time is over rather than at the next regular check.
      const left = watch.clearSinceS === undefined ? watch.spec.every : Math.min(watch.spec.every, watch.clearSinceS + watch.spec.settle - this.clock.now());
      try {
        await this.clock.sleep(Math.max(0, left), signal);
      } catch {
        return;
      }
      await this.check(watch);
    }
  }

  /** Checks `watch` once (after the checks already under way), with `given` as its value when known. */
  private check(watch: Watch, given?: unknown): Promise<void> {
    watch.chain = watch.chain.then(() => this.evaluate(watch, given));
    return watch.chain;
  }

  private async evaluate(watch: Watch, given: unknown): Promise<void> {
    if (watch.stopped.signal.aborted) return;
    const held = await this.holds(watch.spec, given);
    if (watch.stopped.signal.aborted) return;
    const name = describeSuspender(watch.spec);
    if (held !== undefined) {
      watch.clearSinceS = undefined;
      if (this.run.suspend(watch.key, held)) this.report({ suspended: true, suspender: name, reason: held });
      return;
    }
    if (!this.run.holdsFor(watch.key)) return;
    const now = this.clock.now();
    watch.clearSinceS ??= now;
    const clearS = now - watch.clearSinceS;
    if (clearS + 1e-9 >= watch.spec.settle) {
      watch.clearSinceS = undefined;
      this.run.unsuspend(watch.key);
      this.report({ suspended: false, suspender: name, reason: `clear for ${round(clearS)} s (settle time ${watch.spec.settle} s)` });
    } else {
      this.run.suspend(watch.key, `${name}: clear again, going on after the settle time (${round(watch.spec.settle - clearS)} s left)`);
    }
  }

  /** Why the condition holds (the value seen), or undefined when it does not. */
  private async holds(spec: ReturnType<typeof parseSuspender>, given: unknown): Promise<string | undefined> {
    const device = this.lab.device(spec.device);
    const name = describeSuspender(spec);
    if (spec.faulted === true && device.state !== 'idle' && device.state !== 'busy') {
      return `${name}: ${spec.device} is ${device.state}${device.fault === undefined ? '' : ` (${device.fault.message})`}`;
    }
    if (spec.below === undefined && spec.above === undefined && spec.outside === undefined && spec.equals === undefined) return undefined;
    let raw = given;
    if (raw === undefined) {
      try {
        raw = await (device as unknown as Record<string, () => Promise<unknown>>)[spec.method]?.call(device);
      } catch (error) {
        // A value that cannot be read cannot be trusted either: the run waits until it can.
        return `${name}: ${spec.device}.${spec.method}() failed: ${DaqError.from(error).message}`;
      }
    }
    const value = isReading(raw) ? raw.value : raw;
    const unitsOf = isReading(raw) ? raw.units : (getterUnitsOf(device, spec.method) ?? '');
    const units = unitsOf === '' ? '' : ` ${unitsOf}`;
    const shown = typeof value === 'number' ? `${round(value)}${units}` : JSON.stringify(value);
    if (spec.equals !== undefined && value === spec.equals) return `${name}: it is ${shown}`;
    if (typeof value !== 'number') {
      return spec.equals === undefined ? `${name}: ${spec.device}.${spec.method}() gave ${JSON.stringify(value)}, not a number` : undefined;
    }
    if (spec.below !== undefined && value < spec.below) return `${name}: it is ${shown}`;
    if (spec.above !== undefined && value > spec.above) return `${name}: it is ${shown}`;
    if (spec.outside !== undefined && (value < spec.outside[0] || value > spec.outside[1])) return `${name}: it is ${shown}`;
    return undefined;
  }
}

/** `x` with at most 6 significant digits, for messages. */
function round(x: number): number {
  return Number(x.toPrecision(6));
}
