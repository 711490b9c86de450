/**
 * The globals of an experiment script, as host functions: every device of the lab by its config
 * name with exactly the methods of its capabilities, and `sleep`, `log`, `record`, `progress`,
 * `now`, `params` and the plans. Each device call passes a checkpoint first (so a paused run
 * blocks at its next device call, and an aborted one stops), and its result is made fit for the
 * script: readings say which device they came from, frames become handles.
 */
import { capabilitiesOf, capabilitySpec, isAnalogBlock, isFrame, isMovable, isReadable, isReading, settableQuantitiesOf } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import type { HostFunction, HostFunctions, JsonValue } from '../../scripting/index.js';
import { adaptiveScan, axisOf, count, gridScan, innerScan, listScan, lineScan, productScan, type ScanAxis, type ScanDetector, type ScanMotor, type ScanPoint } from '../plans/index.js';
import { changesConfiguration, getterUnitsOf } from './device-getters.js';
import { flyScanHost } from './fly-host.js';
import { FrameTable } from './frame-table.js';
import { PointPacker } from './packed-points.js';
import { type RecordValue, sourcesOf } from './record-values.js';
import type { RunContext } from './run-context.js';
import { SCRIPT_PRELUDE } from './script-prelude.js';
import { isInRecordRead, isPendingRead, RecordReads } from './record-reads.js';

/**
 * What a script does not wait for: it only hands data over. Run in order before its next device
 * call; a refusal is thrown at that call, naming the record's line (record-rewrite.ts).
 */
const DEFERRED = ['record', '__daq_record_at', 'log', 'progress', '__daq_progress_at', '__daq_read_later', '__daq_move_at'];

/** Methods of capabilities that cannot cross into a script (they take callbacks). */
const NOT_FOR_SCRIPTS = new Set(['onFrame', 'onPulse', 'onTriggered', 'followTrigger']);

/** What a device looks like to the script's prelude. */
export interface DeviceInfo {
  driver: string;
  capabilities: string[];
  methods: string[];
  /** Methods that name a settable quantity: the script passes `laser.wavelength` to a plan as an axis. */
  axes: string[];
}

/** Host functions, plain globals and prelude of one run's script. */
export interface ScriptHost {
  host: HostFunctions;
  /** The host functions the script does not wait for (see `SandboxOptions.deferred`). */
  deferred: string[];
  globals: Record<string, JsonValue>;
  prelude: string;
}

/** Builds the script's world for `context`; `params` become the `params` global; `scriptName` is named in errors. */
export function createScriptHost(context: RunContext, params: Record<string, JsonValue>, scriptName = 'script'): ScriptHost {
  const frames = new FrameTable();
  const host: Record<string, HostFunction> = {};
  const devices: Record<string, JsonValue> = {};
  for (const device of context.lab.devices()) {
    const info = deviceInfo(device);
    devices[device.name] = info as unknown as JsonValue;
    for (const method of info.methods) host[`${device.name}.${method}`] = deviceMethod(context, frames, device, method);
  }
  const reads = new RecordReads(
    (name) => context.lab.device(name),
    (device, method) => deviceMethod(context, frames, device, method)([], undefined as never) as Promise<JsonValue | undefined>,
    () => context.clock.now(),
  );
  host['__daq_read_later'] = reads.readLater;
  // a move whose result the script does not use (record-rewrite.ts): made in order, a failure thrown at the next call naming the line
  host['__daq_move_at'] = atLine(([device, method, ...args], call) => {
    const move = host[`${String(device)}.${String(method)}`];
    if (move === undefined) throw new DaqError('internal', `no device call ${String(device)}.${String(method)}`);
    return move(args, call);
  }, scriptName);
  Object.assign(host, coreFunctions(context, frames, reads, scriptName), planFunctions(context), suspenderFunctions(context));
  return { host, deferred: DEFERRED, globals: { params, __daq_devices: devices }, prelude: SCRIPT_PRELUDE };
}

/** The capabilities and script methods of `device`. */
export function deviceInfo(device: Device): DeviceInfo {
  const capabilities = capabilitiesOf(device);
  const methods = new Set<string>();
  for (const name of capabilities) for (const m of capabilitySpec(name)?.methods ?? []) if (!NOT_FOR_SCRIPTS.has(m)) methods.add(m);
  const axes = settableQuantitiesOf(device).flatMap((q) => q.names.filter((m) => methods.has(m)));
  return { driver: device.driver, capabilities, methods: [...methods], axes };
}

/**
 * A device method as a host function: the checkpoint, then the call, its result made fit for the
 * script. Always answers a promise. The checkpoint is awaited only when it would wait (or give the
 * event loop its turn); otherwise the call is made at once, and the device's own promise is the
 * only one awaited (a loop point makes three device calls: each promise less is time off the
 * daemon's main thread).
 */
function deviceMethod(context: RunContext, frames: FrameTable, device: Device, method: string): HostFunction {
  const fn = (device as unknown as Record<string, (...a: unknown[]) => unknown>)[method] as (...a: unknown[]) => unknown;
  const moves = method === 'moveAbs' || method === 'moveRel';
  const configures = changesConfiguration(method);
  // A setter that failed half-way may still have changed something: read the settings again either way.
  const settled = configures ? (): void => context.configurations.markChanged(device.name) : undefined;
  const call = (args: JsonValue[]): Promise<JsonValue | undefined> => {
    try {
      context.touch(device.name);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const callArgs: unknown[] = [...args];
    if (moves) {
      const options = (args[1] ?? {}) as { wait?: unknown };
      callArgs[1] = { signal: context.signal, ...(typeof options.wait === 'boolean' ? { wait: options.wait } : {}) };
    }
    let result: unknown;
    try {
      result = fn.apply(device, callArgs);
    } catch (error) {
      settled?.();
      return Promise.reject(error as Error);
    }
    return Promise.resolve(result).then(
      (value) => {
        settled?.();
        return toScript(device.name, value, frames);
      },
      (error: unknown) => {
        settled?.();
        throw error;
      },
    );
  };
  return (args) => {
    if (context.checkpointPasses?.() === true) return call(args);
    return context.checkpoint().then(() => call(args));
  };
}

/**
 * `record`'s data with each value's device: frame handles become their frames (from the camera
 * that took them), values tagged by `__daq_sourced` (see record-rewrite.ts) become readings, and
 * placeholders of reads made for the record (record-reads.ts) become those readings.
 */
function recordValues(context: RunContext, frames: FrameTable, reads: RecordReads, data: Record<string, JsonValue>): Record<string, RecordValue> {
  // No prototype: a "__proto__" field stays a field, for the recorder to refuse by name.
  const values = Object.create(null) as Record<string, RecordValue>;
  for (const [field, value] of Object.entries(data)) {
    if (FrameTable.isHandle(value)) values[field] = frames.resolve(value);
    else if (isPendingRead(value)) values[field] = reads.take(value.__daq_pending, field);
    else if (isSourcedTag(value)) {
      const device = context.lab.device(value.device);
      values[field] = { value: value.value as number, units: getterUnitsOf(device, value.method) ?? '', timestampS: context.clock.now(), source: device.name };
    } else values[field] = value as RecordValue;
  }
  return values;
}

interface SourcedTag {
  __daq_sourced: true;
  value: JsonValue;
  device: string;
  method: string;
}

function isSourcedTag(value: JsonValue): value is JsonValue & SourcedTag {
  return typeof value === 'object' && value !== null && (value as Record<string, JsonValue>)['__daq_sourced'] === true;
}

/**
 * Records an event, first reading the settings of its source devices when the run has not read
 * them yet or a setter was called since (so the descriptor carries the configuration in force).
 */
export function recordEvent(context: RunContext, stream: string, values: Record<string, RecordValue>): void | Promise<void> {
  const sources = sourcesOf(values);
  if (sources.length === 0 || !context.configurations.needsRead(sources)) return context.recorder.record(stream, values);
  return context.configurations.read(sources).then(() => context.recorder.record(stream, values));
}

function toScript(source: string, value: unknown, frames: FrameTable): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (isFrame(value)) return frames.add({ ...value, source }) as unknown as JsonValue;
  if (isReading(value)) return { ...(value as unknown as Record<string, JsonValue>), source };
  // A DAQ card's block: each channel's reading comes from the card, like a read()'s.
  if (isAnalogBlock(value)) return { ...value, channels: Object.fromEntries(Object.entries(value.channels).map(([k, r]) => [k, { ...r, source }])) } as unknown as JsonValue;
  return value as JsonValue;
}


function coreFunctions(context: RunContext, frames: FrameTable, reads: RecordReads, scriptName: string): Record<string, HostFunction> {
  const progress: HostFunction = ([done, total]) => {
    if (typeof done !== 'number' || typeof total !== 'number') {
      throw new DaqError('invalid_argument', 'progress(done, total): both must be numbers');
    }
    context.progress(done, total);
  };
  const record: HostFunction = ([stream, data]) => recordData(context, frames, reads, stream, data);
  return {
    sleep: async ([seconds]) => {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new DaqError('invalid_argument', `sleep(seconds): seconds must be a number >= 0, got ${JSON.stringify(seconds)}`);
      }
      await context.checkpoint();
      await context.clock.sleep(seconds, context.signal);
    },
    log: (args) => context.log('info', args.map(formatLogValue).join(' ')),
    now: () => context.clock.now(),
    progress,
    record,
    // the same at a known line of the script (record-rewrite.ts)
    __daq_progress_at: atLine(progress, scriptName),
    __daq_record_at: atLine(record, scriptName),
  };
}

/**
 * `fn` called as `fn(line, ...args)`: the script does not wait for these calls, so an error is
 * thrown later, at its next call; the message names the line where the refused call was made.
 */
function atLine(fn: HostFunction, scriptName: string): HostFunction {
  return ([line, ...args], call) => {
    const refused = (error: unknown): never => {
      const problem = DaqError.from(error);
      throw new DaqError(problem.code, `${problem.message} (at ${scriptName}:${String(line)})`, { cause: problem });
    };
    try {
      const result = fn(args, call);
      return isPromise(result) ? result.catch(refused) : result;
    } catch (error) {
      return refused(error);
    }
  };
}

function isPromise(value: unknown): value is Promise<JsonValue | undefined | void> {
  return value instanceof Promise;
}

/** `record(stream, data)`. */
function recordData(context: RunContext, frames: FrameTable, reads: RecordReads, stream: JsonValue | undefined, data: JsonValue | undefined): void | Promise<void> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DaqError('invalid_argument', `record(stream, data): data must be an object such as {x: 1}, got ${JSON.stringify(data)}`);
  }
  for (const field in data) if (isInRecordRead(data[field] as JsonValue)) return readThenRecord(context, frames, reads, stream as string, data);
  return recordEvent(context, stream as string, recordValues(context, frames, reads, data));
}

/** A record whose fields hold reads to make (record-reads.ts): made now, one after the other in field order, then recorded. */
async function readThenRecord(context: RunContext, frames: FrameTable, reads: RecordReads, stream: string, data: Record<string, JsonValue>): Promise<void> {
  const made: Record<string, RecordValue> = Object.create(null) as Record<string, RecordValue>;
  for (const field in data) {
    const value = data[field] as JsonValue;
    if (isInRecordRead(value)) made[field] = await reads.readIn(value, field);
  }
  const values = recordValues(context, frames, reads, data);
  for (const field in made) values[field] = made[field] as RecordValue;
  return recordEvent(context, stream, values);
}

function formatLogValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface PlanArgs {
  stream?: string;
}

function planFunctions(context: RunContext): Record<string, HostFunction> {
  // The run's axes by recorded name, for the units of their values (pointRecorder).
  const axes = new Map<string, ScanAxis>();
  /** The axis a script names: `"stage"` (a device) or `"laser.wavelength"` (a quantity, see the prelude). */
  const axis = (ref: JsonValue, plan: string): ScanAxis => {
    const text = String(ref);
    const dot = text.indexOf('.');
    const device = context.lab.device(dot < 0 ? text : text.slice(0, dot));
    const scanned = axisOf(device, dot < 0 ? undefined : text.slice(dot + 1), plan);
    context.touch(device.name);
    axes.set(scanned.name, scanned);
    return scanned;
  };
  /** A plan's motor that must be a Movable device itself (a fly scan moves it at a set velocity). */
  const motor = (ref: JsonValue, plan: string): ScanMotor => {
    const device = context.lab.device(String(ref));
    if (!isMovable(device)) throw new DaqError('invalid_argument', `${plan}: ${device.name} cannot be moved (it is ${capabilitiesOf(device).join(', ')})`, { device: device.name });
    axis(device.name, plan);
    return device as ScanMotor;
  };
  const spans = (raw: JsonValue | undefined, plan: string): ({ axis: ScanAxis } & Record<string, unknown>)[] => {
    if (!Array.isArray(raw) || raw.length === 0) throw new DaqError('invalid_argument', `${plan}: axes must be a non-empty array of {axis, start, stop${plan === 'productScan' ? ', num' : ''}}`);
    return raw.map((span, k) => {
      if (typeof span !== 'object' || span === null || Array.isArray(span)) throw new DaqError('invalid_argument', `${plan}: axes[${k}] must be an object such as {axis: stage, start: 0, stop: 1}`);
      return { ...(span as Record<string, unknown>), axis: axis((span as Record<string, JsonValue>)['axis'] ?? null, plan) };
    });
  };
  const detectors = (names: JsonValue, plan: string): ScanDetector[] =>
    (Array.isArray(names) ? names : [names]).map((name) => {
      const device = context.lab.device(String(name));
      if (!isReadable(device)) throw new DaqError('invalid_argument', `${plan}: ${device.name} cannot be read (it is ${capabilitiesOf(device).join(', ')})`);
      return device as ScanDetector;
    });
  const options = (raw: JsonValue, plan: string) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DaqError('invalid_argument', `${plan}: options must be an object`);
    const stream = (raw as PlanArgs).stream ?? 'primary';
    const pointRecord = pointRecorder(context, axes);
    // the points for the script, packed as the plan goes (packed-points.ts; the prelude unpacks them)
    const packer = new PointPacker();
    return {
      ...(raw as Record<string, unknown>),
      packer,
      keep: (point: ScanPoint) => packer.add(point),
      signal: context.signal,
      ...pointChecks(context),
      // Not async: a point recorded at once (the usual one) makes no promise.
      onPoint: (point: ScanPoint, total: number): void | Promise<void> => {
        const recorded = recordEvent(context, stream, pointRecord(point));
        if (recorded === undefined) {
          context.progress(point.index + 1, total);
          return undefined;
        }
        return recorded.then(() => context.progress(point.index + 1, total));
      },
      planName: plan,
      // stopWhen ended the plan: the run goes on; its log says why
      onStop: (reason: string, point: ScanPoint) => {
        context.log('info', `${plan} stopped early after point ${point.index + 1} (stream ${stream}): ${reason}`);
        context.progress(point.index + 1, point.index + 1);
      },
    };
  };
  /** Runs `plan` with the options of `raw`; answers its points, packed. */
  const planned = async (name: string, raw: JsonValue | undefined, plan: (opts: ReturnType<typeof options>) => Promise<unknown>): Promise<JsonValue> => {
    const opts = options(raw ?? null, name);
    await plan(opts);
    return opts.packer.packed() as unknown as JsonValue;
  };
  return {
    '__plans.adaptiveScan': ([m, d, o]) => planned('adaptiveScan', o, (opts) => adaptiveScan(axis(m ?? null, 'adaptiveScan'), detectors(d ?? null, 'adaptiveScan'), opts as never)),
    '__plans.lineScan': ([m, d, o]) => planned('lineScan', o, (opts) => lineScan(axis(m ?? null, 'lineScan'), detectors(d ?? null, 'lineScan'), opts as never)),
    '__plans.listScan': ([m, d, o]) => planned('listScan', o, (opts) => listScan(axis(m ?? null, 'listScan'), detectors(d ?? null, 'listScan'), opts as never)),
    '__plans.gridScan': ([a, b, d, o]) =>
      planned('gridScan', o, (opts) => gridScan(axis(a ?? null, 'gridScan'), axis(b ?? null, 'gridScan'), detectors(d ?? null, 'gridScan'), opts as never)),
    '__plans.productScan': ([a, d, o]) =>
      planned('productScan', o ?? {}, (opts) => productScan(spans(a, 'productScan') as never, detectors(d ?? null, 'productScan'), opts as never)),
    '__plans.innerScan': ([a, d, o]) => planned('innerScan', o, (opts) => innerScan(spans(a, 'innerScan') as never, detectors(d ?? null, 'innerScan'), opts as never)),
    '__plans.count': ([d, o]) =>
      planned('count', o, (opts) => {
        const delay = (opts as { delay?: number }).delay ?? 0;
        return count(detectors(d ?? null, 'count'), { ...(opts as typeof opts & { num: number }), delayS: delay, sleep: (s) => context.clock.sleep(s, context.signal) });
      }),
    '__plans.flyScan': flyScanHost(context, { motor, planned }),
  };
}

/**
 * A plan's checkpoint and retake: with suspenders, a point during which a suspension began (or
 * whose readings show a condition holding) is taken again once the run goes on.
 */
function pointChecks(context: RunContext): { checkpoint: () => Promise<void>; retake?: (point: ScanPoint) => Promise<boolean> } {
  if (context.suspenders.size === 0) return { checkpoint: () => context.checkpoint() };
  let mark = 0;
  return {
    checkpoint: async () => {
      await context.checkpoint();
      mark = context.suspenders.mark();
    },
    retake: (point) => context.suspenders.interrupted(mark, point.readings),
  };
}

/**
 * `suspendWhen(device, condition)` and the two halves of `retakeIfSuspended(fn)` (the prelude
 * joins them: fn runs again while a suspension began during it).
 */
function suspenderFunctions(context: RunContext): Record<string, HostFunction> {
  return {
    __daq_suspend_when: async ([device, condition]) => {
      if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
        throw new DaqError('invalid_argument', `suspendWhen(${String(device)}, condition): condition must be an object such as {below: 0.5, settle: 5}`);
      }
      return context.suspenders.add({ ...condition, device }, `suspendWhen(${String(device)}, ...)`);
    },
    __daq_suspender_remove: ([id]) => context.suspenders.remove(Number(id)),
    __daq_step_start: async () => {
      await context.checkpoint();
      return context.suspenders.mark();
    },
    __daq_step_end: async ([mark]) => context.suspenders.interrupted(Number(mark)),
  };
}

/**
 * One scan point as a record: each axis's value read back (and its setpoint), each detector's
 * reading. `axes` are the run's axes by recorded name (`stage`, `laser_wavelength`), for their
 * units and device.
 */
function pointRecorder(context: RunContext, axes: ReadonlyMap<string, ScanAxis>): (point: ScanPoint) => Record<string, RecordValue> {
  const fields = new Map<string, { units: string; setpoint: string; source: string }>();
  const axisField = (name: string) => {
    let field = fields.get(name);
    if (field === undefined) {
      const scanned = axes.get(name);
      field = { units: scanned?.units ?? '', setpoint: `${name}_setpoint`, source: scanned?.device.name ?? name };
      fields.set(name, field);
    }
    return field;
  };
  return (point) => {
    const values: Record<string, RecordValue> = {};
    const timestampS = context.clock.now();
    for (const name in point.positions) {
      const field = axisField(name);
      values[name] = { value: point.positions[name] as number, units: field.units, timestampS, source: field.source };
      values[field.setpoint] = { value: point.targets[name] as number, units: field.units, timestampS, source: field.source };
    }
    for (const name in point.readings) values[name] = withSource(point.readings[name] as RecordValue & object, name);
    // a fly scan's frames (fly-scan.ts)
    const frames = (point as { frames?: Record<string, RecordValue & object> }).frames;
    for (const name in frames) values[name] = { ...(frames[name] as RecordValue & object), source: name };
    return values;
  };
}

/**
 * `{ ...value, source }`, made by `Object.assign`: V8 made the spread of a reading with a property
 * added to it ~10x slower (~0.8 us a point). An own `__proto__` (a JSON-parsed value) is spread.
 */
function withSource(value: RecordValue & object, source: string): RecordValue {
  if (Object.hasOwn(value, '__proto__')) return { ...value, source };
  const copy = Object.assign({}, value) as RecordValue & { source?: string };
  copy.source = source;
  return copy;
}
