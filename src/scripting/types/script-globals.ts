/**
 * The fixed part of a lab's script declarations: how a capability interface becomes its script
 * side (`ScriptSide<T>`), and the globals every script has (`sleep`, `log`, `params`, `record`,
 * `progress`, `now` and the plans). The capability interfaces themselves are not written here:
 * they are copied from the running code (type-source.ts) into `namespace Daq`.
 */

/**
 * Stand-ins, inside `namespace Daq`, for host types that capability interfaces mention but
 * scripts do not have (there is no `AbortSignal` in the sandbox). Anything of these types is
 * left out of the script side by `Scripted<T>`.
 */
export const HOST_ONLY_TYPES: Readonly<Record<string, string>> = {
  AbortSignal: [
    '/** The host\'s abort signal. Scripts have none: options of this type are left out of the script side. */',
    'export interface AbortSignal {',
    '  readonly aborted: boolean;',
    '  readonly reason: unknown;',
    '}',
  ].join('\n'),
};

/** `ScriptSide<T>` and what it needs. Refers to `Daq.Frame`, `Daq.AbortSignal` and the global `Frame`. */
export const SCRIPT_SIDE_TYPES = `/** Any function. */
type AnyFunction = (...args: never[]) => unknown;

/** Keys of \`T\` whose values cannot cross the sandbox wall: callbacks and abort signals. */
type HostOnlyKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends AnyFunction | Daq.AbortSignal ? K : never }[keyof T];

/**
 * A value as a script passes or receives it: a frame becomes a {@link Frame} handle, and
 * callbacks and abort signals are left out of option objects.
 */
type Scripted<T> = T extends Daq.Frame
  ? Frame
  : T extends AnyFunction | readonly unknown[]
    ? T
    : T extends object
      ? [HostOnlyKeys<T>] extends [never]
        ? T
        : Omit<T, HostOnlyKeys<T>>
      : T;

/** Methods that take a device object (\`followTrigger(source)\`): plans use them, scripts cannot (use \`flyScan\`). */
type HostOnlyMethods = 'followTrigger';

/** True when a method takes a callback: callbacks cannot cross the sandbox wall. */
type TakesCallback<F> = F extends (...args: infer A) => unknown
  ? [Extract<A[number], AnyFunction>] extends [never]
    ? false
    : true
  : false;

/**
 * The script side of a capability interface \`T\`: its methods only (no properties), each
 * synchronous (the script waits for the result: \`Promise<R>\` becomes \`R\`), with frames as
 * handles; methods that take a callback (\`onFrame\`) are left out.
 */
type ScriptSide<T> = {
  [K in keyof T as T[K] extends AnyFunction ? (TakesCallback<T[K]> extends true ? never : K extends HostOnlyMethods ? never : K) : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? ((...args: { [I in keyof A]: Scripted<A[I]> }) => Scripted<Awaited<R>>) & (K extends SettableMethodName ? Settable : unknown)
    : never;
};

/**
 * A settable quantity of a device, named by its getter or setter: \`laser.wavelength\`,
 * \`piezo_bias.voltage\`, \`camera.exposure\`, \`camera.temperatureSetpoint\`, \`stage.position\`. A plan
 * takes it as an axis; its values are recorded as \`<device>_<quantity>\` with its units.
 */
interface Settable {
  /** Which device and quantity (\`laser.wavelength\`). */
  readonly __daq_axis: string;
}

/**
 * What a plan can scan: a device that can be set (a stage by its position; a laser, a voltage
 * source by their only settable quantity), or one settable quantity of a device (\`laser.wavelength\`).
 */
type Axis = Movable | WavelengthTunable | VoltageSource | ExposureControl | Cooled | Settable;

/**
 * A camera frame as a script sees it: a handle with its shape, timing and a few figures. The
 * pixels stay in the daemon; pass the frame to {@link record} to store them.
 */
interface Frame extends Daq.FrameHandle {}

/** What every device global has, whatever it can do. */
interface Device {
  /** The device's name in the lab config. */
  readonly name: string;
  /** The driver that runs it. */
  readonly driver: string;
  /** What it can do. */
  readonly capabilities: readonly CapabilityName[];
  /** True when it has \`capability\`. */
  has(capability: CapabilityName): boolean;
}
`;

/** The globals every script has, besides its lab's devices. */
export const SCRIPT_GLOBALS = `/** Waits \`seconds\` (the run can still be paused or aborted meanwhile). */
declare function sleep(seconds: number): void;

/** Writes a line to the run's log: strings as they are, other values as JSON. */
declare function log(...values: unknown[]): void;

/** The run's parameters, from \`daq run SCRIPT --param name=value\`. */
declare const params: Readonly<Record<string, ParamValue>>;

/**
 * Records one event in \`stream\` of the run's data file: one row with a value per field
 * (\`/entry/data/<stream>/<field>\`), and its time.
 */
declare function record(stream: string, data: Readonly<Record<string, RecordValue>>): void;

/** Reports how far the run is, for \`daq status\` and clients: \`done\` of \`total\` steps. */
declare function progress(done: number, total: number): void;

/** The time, in seconds since the Unix epoch. */
declare function now(): number;

/** Detectors of a plan: one Readable device, or several (read in the order given). */
type Detectors = Readable | readonly Readable[];

/** What every plan can be told. */
interface PlanOptions {
  /** Name of the stream the points are recorded to (default \`primary\`). */
  stream?: string;
  /**
   * false: the plan returns no points (they are recorded to the stream either way). Needed for
   * scans of more than 100,000 points, which could not all be handed back to the script.
   */
  returnPoints?: boolean;
  /**
   * Ends the plan early, after the first point whose reading crosses a threshold (that point is
   * recorded; the run goes on and its log says why): \`{ device: power_meter, above: 1e-3 }\`.
   * A list: the first that holds.
   */
  stopWhen?: StopWhen | readonly StopWhen[];
}

/** What every plan that sets axes can be told. */
interface AxisPlanOptions extends PlanOptions {
  /**
   * true: positions are offsets from where each axis is when the plan starts, and the axes are
   * set back there when it ends (also after a failed point; not after an abort).
   */
  relative?: boolean;
}

/**
 * Sets \`axis\` to \`num\` evenly spaced values from \`start\` to \`stop\` (in the axis's units) and
 * reads \`detectors\` at each; returns the points (also recorded to the stream).
 */
declare function lineScan(axis: Axis, detectors: Detectors, options: AxisRange & AxisPlanOptions): ScanPoint[];

/**
 * Sets \`outer\` and \`inner\` over a grid (inner fastest) and reads \`detectors\` at each point;
 * with \`snake\`, the inner axis reverses direction on every other row.
 */
declare function gridScan(
  outer: Axis,
  inner: Axis,
  detectors: Detectors,
  options: { outer: AxisRange; inner: AxisRange; snake?: boolean } & AxisPlanOptions,
): ScanPoint[];

/** Sets \`axis\` to each of \`positions\` in turn and reads \`detectors\` at each. */
declare function listScan(axis: Axis, detectors: Detectors, options: { positions: readonly number[] } & AxisPlanOptions): ScanPoint[];

/**
 * Every combination of the axes' values, the first axis outermost (any number of axes); with
 * \`snake\`, each inner axis reverses on every other pass.
 */
declare function productScan(
  axes: readonly ({ axis: Axis } & AxisRange)[],
  detectors: Detectors,
  options?: { snake?: boolean } & AxisPlanOptions,
): ScanPoint[];

/** Sets all the axes together through \`num\` points, each from its own \`start\` to its own \`stop\`. */
declare function innerScan(
  axes: readonly { axis: Axis; start: number; stop: number }[],
  detectors: Detectors,
  options: { num: number } & AxisPlanOptions,
): ScanPoint[];

/**
 * Sets \`axis\` from \`start\` to \`stop\` with a step that adapts to the signal of \`detector\`
 * (default the first detector): small where it changes, up to \`maxStep\` where it is flat; reads
 * \`detectors\` at each point and returns the points in the order read.
 */
declare function adaptiveScan(axis: Axis, detectors: Detectors, options: AdaptiveRange & AxisPlanOptions): ScanPoint[];

/**
 * Flies \`motor\` across \`num\` evenly spaced points from \`start\` to \`stop\` at constant
 * \`velocity\` (units/s; default its velocity setting), after a run-up; its trigger output pulses
 * at each point and \`detectors\` acquire on each pulse (a frame, a reading). Each point is
 * stamped with the position at the middle of the exposure. Returns the points (also recorded,
 * frames included); frames are in the stream, not in the points.
 */
declare function flyScan(
  motor: Movable & TriggerSource,
  detectors: HardwareTriggered | readonly HardwareTriggered[],
  options: AxisRange & { velocity?: number; runUp?: number } & PlanOptions,
): ScanPoint[];

/** Reads \`detectors\` \`num\` times (default once), \`delay\` seconds apart (default 0). */
declare function count(detectors: Detectors, options?: { num: number; delay?: number } & PlanOptions): ScanPoint[];

/**
 * When a suspender's condition holds: give one or more of \`below\`, \`above\`, \`outside\`,
 * \`equals\`, \`faulted\`, on the value of \`device.read()\` (or of \`method\`).
 */
interface SuspendCondition {
  /** The getter watched: \`read\` (default), or one such as \`temperature\`, \`position\`, \`isEmissionEnabled\`. */
  method?: string;
  /** Holds while the value is below this (a floor, in the value's units). */
  below?: number;
  /** Holds while the value is above this (a ceiling). */
  above?: number;
  /** Holds while the value is outside the band [low, high]. */
  outside?: readonly [number, number];
  /** Holds while the value equals this (\`{method: 'isEmissionEnabled', equals: false}\`). */
  equals?: number | boolean | string;
  /** Holds while the device is faulted or disconnected. */
  faulted?: true;
  /** Seconds the condition must stay clear before the run goes on by itself (default 1). */
  settle?: number;
  /** Seconds between two checks (default 0.1). */
  every?: number;
}

/** A suspender of the run, as {@link suspendWhen} gives it. */
interface Suspender {
  /** Stops watching; if its condition holds the run, the run goes on at once. */
  remove(): void;
}

/**
 * Suspends the run while \`condition\` holds on \`device\`, from now until removed (\`.remove()\`) or the run ends: the run
 * waits at its next device call (devices stay where they are), and goes on by itself once the
 * condition has been clear for \`settle\` seconds. A plan takes again the point during which a
 * suspension began; in a script loop, wrap a step in {@link retakeIfSuspended}.
 */
declare function suspendWhen(device: Device, condition: SuspendCondition): Suspender;

/**
 * Runs \`step\` and returns its result; runs it again when a suspension began while it ran (or a
 * suspender's condition holds at its end), once the run goes on. Record after it, not inside.
 */
declare function retakeIfSuspended<T>(step: () => T): T;
`;

/** Names the script globals take: no device may use them. */
export const SCRIPT_GLOBAL_NAMES: readonly string[] = [
  'sleep', 'log', 'params', 'record', 'progress', 'now', 'lineScan', 'gridScan', 'listScan', 'productScan', 'innerScan', 'count', 'adaptiveScan', 'flyScan',
  'suspendWhen', 'retakeIfSuspended',
];
