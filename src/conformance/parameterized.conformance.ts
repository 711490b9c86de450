/**
 * Conformance of {@link Parameterized}: `parameters()` describes each setting consistently,
 * values read are of the declared type and inside the declared limits, writable settings take
 * every legal value (bounds included) and read it back, and bad writes are refused with the
 * documented codes (`not_found`, `out_of_range`, `invalid_argument`) leaving the value as it was.
 */
import { describe, expect, type TestContext } from 'vitest';
import type { Device } from '../devices/device.js';
import type { Parameterized, ParameterInfo, ParameterValue } from '../capabilities/index.js';
import { expectDaqError, expectNear, harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type ParameterizedDevice = Parameterized & Device;

const TYPES: readonly ParameterInfo['type'][] = ['number', 'integer', 'string', 'boolean'];

/** A name no device has. */
const UNKNOWN_NAME = 'no_such_setting_xyzzy';

function isNumeric(info: ParameterInfo): boolean {
  return info.type === 'number' || info.type === 'integer';
}

/** Expects `value` to be of `info`'s type, inside its limits and choices. */
function expectLegal(info: ParameterInfo, value: ParameterValue): void {
  const what = `value ${JSON.stringify(value)} of "${info.name}" (${info.type})`;
  switch (info.type) {
    case 'boolean':
      expect(typeof value, what).toBe('boolean');
      return;
    case 'string':
      expect(typeof value, what).toBe('string');
      if (info.choices !== undefined) expect(info.choices, what).toContain(value);
      return;
    case 'number':
    case 'integer':
      expect(typeof value === 'number' && Number.isFinite(value), `${what} is a finite number`).toBe(true);
      if (info.type === 'integer') expect(Number.isInteger(value), `${what} is an integer`).toBe(true);
      if (info.min !== undefined) expect(value, what).toBeGreaterThanOrEqual(info.min);
      if (info.max !== undefined) expect(value, what).toBeLessThanOrEqual(info.max);
  }
}

/** Legal values to write to a setting, derived from its description and present value. */
function legalValues(info: ParameterInfo, present: ParameterValue): ParameterValue[] {
  switch (info.type) {
    case 'boolean':
      return [!present, present];
    case 'string':
      return info.choices !== undefined ? [...info.choices, present] : ['conformance', present];
    case 'number':
    case 'integer': {
      const values: ParameterValue[] = [];
      if (info.min !== undefined) values.push(info.min);
      if (info.max !== undefined) values.push(info.max);
      if (info.min !== undefined && info.max !== undefined) {
        const mid = (info.min + info.max) / 2;
        values.push(info.type === 'integer' ? Math.round(mid) : mid);
      }
      values.push(present);
      return values;
    }
  }
}

/**
 * Expects `actual`, read back after writing `expected`, to equal it: exactly for integers,
 * strings and booleans; for real numbers within a ten-thousandth of the value plus a
 * hundred-thousandth of the full scale (a DAC, a float32 register).
 */
function expectReadBack(info: ParameterInfo, actual: ParameterValue, expected: ParameterValue, what: string): void {
  if (info.type !== 'number' || typeof expected !== 'number') {
    expect(actual, what).toEqual(expected);
    return;
  }
  const fullScale = Math.max(Math.abs(info.min ?? 0), Math.abs(info.max ?? 0));
  expect(typeof actual, what).toBe('number');
  expectNear(actual as number, expected, 1e-4 * Math.abs(expected) + 1e-5 * fullScale, what);
}

/** Values of the wrong type for a setting. */
function wrongTypeValues(info: ParameterInfo, present: ParameterValue): unknown[] {
  switch (info.type) {
    case 'boolean':
      return [1, 'true'];
    case 'string':
      return [42, true];
    case 'number':
      return ['1', true];
    case 'integer': {
      const fractional = typeof present === 'number' ? present + 0.5 : 0.5;
      const inside = info.max === undefined || fractional <= info.max ? fractional : (present as number) - 0.5;
      return ['1', true, inside];
    }
  }
}

/** Values just and far outside a numeric setting's limits. */
function outOfRangeValues(info: ParameterInfo): number[] {
  const span = info.min !== undefined && info.max !== undefined ? Math.max(info.max - info.min, 1) : 1;
  const values: number[] = [];
  if (info.max !== undefined) values.push(info.max + span, info.type === 'integer' ? info.max + 1 : info.max + span * 0.01);
  if (info.min !== undefined) values.push(info.min - span, info.type === 'integer' ? info.min - 1 : info.min - span * 0.01);
  return values;
}

/** Writable settings that pass `filter`; skips the case when there are none. */
function writable(device: Parameterized, context: TestContext, filter: (info: ParameterInfo) => boolean, what: string) {
  const infos = device.parameters().filter((info) => info.writable && filter(info));
  if (infos.length === 0) context.skip(`no writable ${what} settings`);
  return infos;
}

/** Registers the {@link Parameterized} conformance cases for the devices `create` makes. */
export function parameterizedConformance(label: string, create: HarnessFactory<ParameterizedDevice>): void {
  describe(`${label} conforms to Parameterized`, () => {
    const test = harnessCases(create);

    test('parameters() describes each setting consistently, the same on every call', async ({ device }) => {
      const infos = device.parameters();
      const names = infos.map((info) => info.name);
      expect(new Set(names).size, `names are unique: ${names.join(', ')}`).toBe(names.length);
      for (const info of infos) {
        expect(info.name, 'a setting has a name').toMatch(/\S/);
        expect(TYPES, `type of "${info.name}"`).toContain(info.type);
        expect(typeof info.units, `units of "${info.name}"`).toBe('string');
        expect(typeof info.writable, `writable of "${info.name}"`).toBe('boolean');
        expect(typeof info.description, `description of "${info.name}"`).toBe('string');
        if (info.min !== undefined && info.max !== undefined) {
          expect(info.min, `min <= max of "${info.name}"`).toBeLessThanOrEqual(info.max);
        }
        if (!isNumeric(info)) expect(info.min ?? info.max, `limits of non-numeric "${info.name}"`).toBeUndefined();
        if (info.choices !== undefined) {
          expect(info.type, `"${info.name}" has choices`).toBe('string');
          expect(info.choices.length, `choices of "${info.name}"`).toBeGreaterThan(0);
        }
      }
      expect(device.parameters()).toEqual(infos);
    });

    test('getParameter gives every setting a value of its type, inside its limits', async ({ device }) => {
      for (const info of device.parameters()) expectLegal(info, await device.getParameter(info.name));
    });

    test('every writable setting accepts its legal values, bounds included, and reads them back', async ({
      device,
    }, context) => {
      for (const info of writable(device, context, () => true, 'writable')) {
        const present = await device.getParameter(info.name);
        for (const value of legalValues(info, present)) {
          await device.setParameter(info.name, value);
          const what = `"${info.name}" after setting ${JSON.stringify(value)}`;
          expectReadBack(info, await device.getParameter(info.name), value, what);
        }
      }
      expect(device.state).toBe('idle');
    });

    test('an unknown name is refused with not_found, naming it', async ({ device }) => {
      const read = await expectDaqError(device.getParameter(UNKNOWN_NAME), 'not_found', `getParameter("${UNKNOWN_NAME}")`);
      expect(read.message).toContain(UNKNOWN_NAME);
      const write = await expectDaqError(device.setParameter(UNKNOWN_NAME, 1), 'not_found', `setParameter("${UNKNOWN_NAME}")`);
      expect(write.message).toContain(UNKNOWN_NAME);
    });

    test('values outside the limits are refused with out_of_range, keeping the value', async ({ device }, context) => {
      const bounded = (info: ParameterInfo): boolean => isNumeric(info) && (info.min ?? info.max) !== undefined;
      for (const info of writable(device, context, bounded, 'bounded numeric')) {
        const present = await device.getParameter(info.name);
        for (const value of outOfRangeValues(info)) {
          await expectDaqError(device.setParameter(info.name, value), 'out_of_range', `"${info.name}" = ${value}`);
          expectReadBack(info, await device.getParameter(info.name), present, `"${info.name}" after refusing ${value}`);
        }
      }
    });

    test('values of the wrong type are refused with invalid_argument, keeping the value', async ({ device }, context) => {
      for (const info of writable(device, context, () => true, 'writable')) {
        const present = await device.getParameter(info.name);
        for (const value of wrongTypeValues(info, present)) {
          const what = `"${info.name}" (${info.type}) = ${JSON.stringify(value)}`;
          await expectDaqError(device.setParameter(info.name, value as ParameterValue), 'invalid_argument', what);
          expectReadBack(info, await device.getParameter(info.name), present, `"${info.name}" after refusing ${String(value)}`);
        }
      }
    });

    test('read-only settings refuse writes, keeping the value', async ({ device }, context) => {
      const readOnly = device.parameters().filter((info) => !info.writable);
      if (readOnly.length === 0) return context.skip('no read-only settings');
      for (const info of readOnly) {
        const present = await device.getParameter(info.name);
        await expectDaqError(
          device.setParameter(info.name, present),
          ['failed_precondition', 'invalid_argument', 'unimplemented'],
          `setParameter("${info.name}") of a read-only setting`,
        );
        expect(await device.getParameter(info.name)).toEqual(present);
      }
    });
  });
}
