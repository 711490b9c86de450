/**
 * Conformance of {@link AnalogOutput}: on every channel, values inside its range (the ends
 * included) are output and read back, others refused with `out_of_range` leaving the output as
 * it was; an unknown channel is `not_found`; `stop()` (when the device has it) sets every output
 * to its safe state, 0 V.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isStoppable, type AnalogOutput } from '../capabilities/index.js';
import { along, expectDaqError, expectNear, expectRefusedOutside, expectRoundTrips, expectValidLimits, harnessCases, roundTripTolerance } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type AnalogOutputDevice = AnalogOutput & Device;

/** Registers the {@link AnalogOutput} conformance cases for the devices `create` makes. */
export function analogOutputConformance(label: string, create: HarnessFactory<AnalogOutputDevice>): void {
  describe(`${label} conforms to AnalogOutput`, () => {
    const test = harnessCases(create);

    test('lists channels with valid ranges in V', async ({ device }) => {
      const channels = device.analogOutputChannels();
      expect(channels.length).toBeGreaterThan(0);
      expect(new Set(channels.map((c) => c.name)).size, 'channel names are unique').toBe(channels.length);
      for (const c of channels) {
        expectValidLimits(c.range, `range of ${c.name}`);
        expect(c.units).toBe('V');
      }
    });

    test('each channel round-trips values, the range ends included, and refuses values outside', async ({ device }) => {
      for (const { name, range } of device.analogOutputChannels()) {
        const setting = {
          name: `writeAnalogOutput("${name}")`,
          range,
          set: (volts: number) => device.writeAnalogOutput(name, volts),
          get: () => device.analogOutput(name),
          tolerance: () => roundTripTolerance(range),
        };
        await expectRoundTrips(setting, [along(range, 0.5), range.max, range.min, along(range, 0.3)]);
        await expectRefusedOutside(setting, along(range, 0.7));
      }
      expect(device.state).toBe('idle');
    });

    test('refuses an unknown channel with not_found', async ({ device }) => {
      await expectDaqError(device.writeAnalogOutput('no-such-channel', 0), 'not_found', 'writeAnalogOutput on an unknown channel');
      await expectDaqError(device.analogOutput('no-such-channel'), 'not_found', 'analogOutput of an unknown channel');
    });

    test('stop() sets every output to 0 V (its safe state)', async ({ device }, context) => {
      if (!isStoppable(device)) return context.skip('not Stoppable');
      const channels = device.analogOutputChannels().filter((c) => c.range.min <= 0 && c.range.max >= 0);
      if (channels.length === 0) return context.skip('0 V is outside every range');
      for (const c of channels) await device.writeAnalogOutput(c.name, along(c.range, 0.9));
      await device.stop();
      for (const c of channels) expectNear(await device.analogOutput(c.name), 0, roundTripTolerance(c.range), `${c.name} after stop()`);
    });
  });
}
