/**
 * How a capability is declared: its interface (the type) and a spec listing the interface's
 * methods. The spec's method list is checked against the interface by the compiler (a missing
 * or extra name does not compile), and the runtime guard is derived from it, so a device's
 * capabilities are derived from what it implements and never written down twice.
 */

/** Names of the members of `T` that are functions. */
export type MethodKeys<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] &
  string;

/** A capability at run time: its name, its methods, and a guard. */
export interface CapabilitySpec<T, N extends string = string> {
  /** The capability's name as users see it (`Movable`, `Readable`, ...). */
  readonly name: N;
  /** One line saying what the capability means. */
  readonly summary: string;
  /** Every method of the interface; a device has the capability when it has all of them. */
  readonly methods: readonly MethodKeys<T>[];
  /** True when `value` has every method of the capability. */
  is(value: unknown): value is T;
}

type Missing<T, K extends readonly string[]> = Exclude<MethodKeys<T>, K[number]>;

/**
 * Declares a capability. Use as `defineCapability<Movable>()('Movable', summary, [...methods])`;
 * the compiler rejects a method list that leaves out a method of the interface.
 */
export function defineCapability<T>() {
  return <const N extends string, const K extends readonly MethodKeys<T>[]>(
    name: N,
    summary: string,
    methods: K & ([Missing<T, K>] extends [never] ? unknown : { missing: Missing<T, K> }),
  ): CapabilitySpec<T, N> => ({
    name,
    summary,
    methods,
    is: (value: unknown): value is T =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
  });
}
