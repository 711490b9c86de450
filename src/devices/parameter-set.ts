/**
 * A ready-made implementation of `Parameterized` for drivers: declare each setting with its
 * type, limits, getter and setter; validation and error messages come for free. The set
 * remembers the last value written to each setting, so a driver can write them again after a
 * reconnect (`restore()`): a setting changed at run time outlives a pulled cable or a power cycle.
 */
import {
  checkParameterValue,
  type Parameterized,
  type ParameterInfo,
  type ParameterValue,
} from '../capabilities/index.js';
import { DaqError, didYouMean } from '../core/index.js';

/** One setting: its description plus how to read and write it. */
export interface ParameterBinding extends Omit<ParameterInfo, 'writable'> {
  get(): Promise<ParameterValue> | ParameterValue;
  /** Absent for read-only settings. */
  set?(value: ParameterValue): Promise<void> | void;
}

/** `Parameterized`, plus what a driver needs to keep settings across reconnects. */
export interface ParameterSet extends Parameterized {
  /**
   * Writes the last value set of each setting again, oldest first (nothing when none was set):
   * for a driver's set-up after a reconnect, after it has sent its configured defaults.
   */
  restore(): Promise<void>;
}

/** Implements `Parameterized` over `bindings`, for the device called `device`. */
export function createParameterSet(device: string, bindings: readonly ParameterBinding[]): ParameterSet {
  const byName = new Map(bindings.map((b) => [b.name, b]));
  /** The last value written to each setting, in the order they were last written. */
  const lastSet = new Map<string, ParameterValue>();
  const infos: ParameterInfo[] = bindings.map(({ get: _get, set, ...info }) => ({ ...info, writable: set !== undefined }));

  function find(name: string): ParameterBinding {
    const binding = byName.get(name);
    if (binding === undefined) {
      throw new DaqError(
        'not_found',
        `${device}: no setting "${name}"${didYouMean(name, byName.keys())} (settings: ${[...byName.keys()].join(', ')})`,
        { device },
      );
    }
    return binding;
  }

  return {
    parameters: () => infos,
    getParameter: async (name) => find(name).get(),
    setParameter: async (name, value) => {
      const binding = find(name);
      if (binding.set === undefined) {
        throw new DaqError('failed_precondition', `${device}: setting "${name}" is read-only`, { device });
      }
      const info = infos.find((i) => i.name === name) as ParameterInfo;
      const problem = checkParameterValue(info, value);
      if (problem !== undefined) {
        const code = problem.includes('outside') ? 'out_of_range' : 'invalid_argument';
        throw new DaqError(code, `${device}: setting "${name}": ${problem}`, { device });
      }
      await binding.set(value);
      lastSet.delete(name);
      lastSet.set(name, value);
    },
    restore: async () => {
      for (const [name, value] of [...lastSet]) await byName.get(name)?.set?.(value);
    },
  };
}
