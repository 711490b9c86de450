/**
 * A ready-made implementation of `Parameterized` for drivers: declare each setting with its
 * type, limits, getter and setter; validation and error messages come for free.
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

/** Implements `Parameterized` over `bindings`, for the device called `device`. */
export function createParameterSet(device: string, bindings: readonly ParameterBinding[]): Parameterized {
  const byName = new Map(bindings.map((b) => [b.name, b]));
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
    },
  };
}
