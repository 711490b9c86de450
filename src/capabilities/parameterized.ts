import { defineCapability } from './define.js';

/** The value of a setting. */
export type ParameterValue = number | string | boolean;

/** Describes one named setting of a device. */
export interface ParameterInfo {
  /** Name as used in the lab config's `settings` table and in files (`exposure`, `binning`). */
  name: string;
  type: 'number' | 'integer' | 'string' | 'boolean';
  /** Units of a numeric setting, empty when dimensionless. */
  units: string;
  /** Inclusive bounds of a numeric setting. */
  min?: number;
  max?: number;
  /** Allowed values of a string setting. */
  choices?: readonly string[];
  /** False for settings that can only be read. */
  writable: boolean;
  description: string;
}

/**
 * A device with named, typed settings. `parameters()` is synchronous so that a lab config can
 * be checked against it before anything connects. The values of all settings at run start go
 * into each run's file (`/entry/instrument/<device>/`).
 */
export interface Parameterized {
  /** Every setting with its type, units and limits. */
  parameters(): readonly ParameterInfo[];
  /** Reads a setting; `not_found` for an unknown name. */
  getParameter(name: string): Promise<ParameterValue>;
  /** Writes a setting; `invalid_argument` for a wrong type, `out_of_range` outside its limits. */
  setParameter(name: string, value: ParameterValue): Promise<void>;
}

export const parameterized = defineCapability<Parameterized>()(
  'Parameterized',
  'has named settings with types, units and limits (parameters, getParameter, setParameter)',
  ['parameters', 'getParameter', 'setParameter'],
);

/**
 * Checks `value` against a setting's type, limits and choices. Returns a sentence saying what
 * is wrong (for an error message), or `undefined` when the value is acceptable.
 */
export function checkParameterValue(info: ParameterInfo, value: unknown): string | undefined {
  switch (info.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected true or false, got ${describeValue(value)}`;
    case 'string':
      if (typeof value !== 'string') return `expected a string, got ${describeValue(value)}`;
      if (info.choices !== undefined && !info.choices.includes(value)) {
        return `expected one of ${info.choices.map((c) => `"${c}"`).join(', ')}, got "${value}"`;
      }
      return undefined;
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return `expected a ${info.type}, got ${describeValue(value)}`;
      }
      if (info.type === 'integer' && !Number.isInteger(value)) return `expected an integer, got ${value}`;
      const units = info.units === '' ? '' : ` ${info.units}`;
      if ((info.min !== undefined && value < info.min) || (info.max !== undefined && value > info.max)) {
        return `${value}${units} is outside ${info.min ?? '-inf'}..${info.max ?? 'inf'}${units}`;
      }
      return undefined;
    }
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `string "${value}"`;
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'a table';
  return `${typeof value} ${String(value)}`;
}
