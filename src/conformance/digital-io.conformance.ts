/**
 * Conformance of {@link DigitalIO}: a line made an output drives what is written and reads it
 * back, starts low, and is listed as an output; writing an input line is `failed_precondition`;
 * an unknown line is `not_found`, an unknown direction `invalid_argument`.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { DigitalIO, LineDirection } from '../capabilities/index.js';
import { expectDaqError, harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type DigitalIODevice = DigitalIO & Device;

/** Registers the {@link DigitalIO} conformance cases for the devices `create` makes. */
export function digitalIOConformance(label: string, create: HarnessFactory<DigitalIODevice>): void {
  describe(`${label} conforms to DigitalIO`, () => {
    const test = harnessCases(create);

    test('lists lines with unique names and a direction each', async ({ device }) => {
      const lines = device.digitalLines();
      expect(lines.length).toBeGreaterThan(0);
      expect(new Set(lines.map((l) => l.name)).size, 'line names are unique').toBe(lines.length);
      for (const l of lines) expect(['input', 'output']).toContain(l.direction);
    });

    test('an output line starts low, drives what is written and reads it back', async ({ device }) => {
      for (const { name } of device.digitalLines()) {
        await device.setLineDirection(name, 'output');
        expect(device.digitalLines().find((l) => l.name === name)?.direction).toBe('output');
        expect(await device.readLine(name), `${name} right after becoming an output`).toBe(false);
        await device.writeLine(name, true);
        expect(await device.readLine(name), `${name} after writing true`).toBe(true);
        await device.writeLine(name, false);
        expect(await device.readLine(name), `${name} after writing false`).toBe(false);
      }
    });

    test('refuses to write an input line, an unknown line, an unknown direction', async ({ device }) => {
      const name = device.digitalLines()[0]?.name as string;
      await device.setLineDirection(name, 'input');
      expect(device.digitalLines().find((l) => l.name === name)?.direction).toBe('input');
      expect(typeof (await device.readLine(name))).toBe('boolean');
      await expectDaqError(device.writeLine(name, true), 'failed_precondition', `writeLine on input ${name}`);
      await expectDaqError(device.readLine('no-such-line'), 'not_found', 'readLine of an unknown line');
      await expectDaqError(device.writeLine('no-such-line', true), 'not_found', 'writeLine of an unknown line');
      await expectDaqError(device.setLineDirection(name, 'sideways' as LineDirection), 'invalid_argument', 'an unknown direction');
      expect(device.digitalLines().find((l) => l.name === name)?.direction).toBe('input');
    });
  });
}
