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
  [K in keyof T as T[K] extends AnyFunction ? (TakesCallback<T[K]> extends true ? never : K) : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: { [I in keyof A]: Scripted<A[I]> }) => Scripted<Awaited<R>>
    : never;
};

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
}

/**
 * Moves \`motor\` through \`num\` evenly spaced positions from \`start\` to \`stop\` and reads
 * \`detectors\` at each; returns the points (also recorded to the stream).
 */
declare function lineScan(motor: Movable, detectors: Detectors, options: AxisRange & PlanOptions): ScanPoint[];

/**
 * Moves \`outer\` and \`inner\` over a grid (inner fastest) and reads \`detectors\` at each point;
 * with \`snake\`, the inner motor reverses direction on every other row.
 */
declare function gridScan(
  outer: Movable,
  inner: Movable,
  detectors: Detectors,
  options: { outer: AxisRange; inner: AxisRange; snake?: boolean } & PlanOptions,
): ScanPoint[];

/** Moves \`motor\` to each of \`positions\` in turn and reads \`detectors\` at each. */
declare function listScan(motor: Movable, detectors: Detectors, options: { positions: readonly number[] } & PlanOptions): ScanPoint[];

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
  'sleep', 'log', 'params', 'record', 'progress', 'now', 'lineScan', 'gridScan', 'listScan', 'count',
  'suspendWhen', 'retakeIfSuspended',
];
