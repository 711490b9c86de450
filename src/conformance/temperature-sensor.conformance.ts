/**
 * Conformance of {@link TemperatureSensor}: `temperature()` is a finite, physically plausible
 * value in °C, reading after reading.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { TemperatureSensor } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import { elapse, type HarnessFactory } from './harness.js';

type TemperatureDevice = TemperatureSensor & Device;

/** Absolute zero, °C. */
const ABSOLUTE_ZERO_C = -273.15;
/** Hotter than any lab instrument reports in °C (a furnace thermocouple reads up to ~1800 °C). */
const HOTTEST_PLAUSIBLE_C = 2000;

/** Registers the {@link TemperatureSensor} conformance cases for the devices `create` makes. */
export function temperatureSensorConformance(label: string, create: HarnessFactory<TemperatureDevice>): void {
  describe(`${label} conforms to TemperatureSensor`, () => {
    const test = harnessCases(create);

    test('temperature() is a finite, plausible value in °C, reading after reading', async ({ device, clock }) => {
      for (let i = 0; i < 3; i++) {
        const celsius = await device.temperature();
        expect(Number.isFinite(celsius), `temperature ${celsius} is finite`).toBe(true);
        expect(celsius, 'above absolute zero').toBeGreaterThan(ABSOLUTE_ZERO_C);
        expect(celsius, 'plausible in °C').toBeLessThan(HOTTEST_PLAUSIBLE_C);
        await elapse(clock, 1);
      }
      expect(device.state).toBe('idle');
    });
  });
}
