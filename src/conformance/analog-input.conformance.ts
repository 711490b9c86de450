/**
 * Conformance of {@link AnalogInput}: blocks follow each other without gaps (first samples
 * 0, n, 2n, ..., timestamps `n / rateHz` apart), every channel's values are finite and within
 * its range, a finite acquisition gives its samples and refuses a read past them (`out_of_range`), settings are refused while acquiring or when
 * wrong (leaving the timing as it was), a read that waits too long fails `deadline_exceeded`, and
 * samples not read before the buffer fills are an overflow (`resource_exhausted`) after which
 * a new start works.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { AnalogBlock, AnalogInput, Limits } from '../capabilities/index.js';
import { expectDaqError, expectNear, expectValidLimits, harnessCases } from './common.conformance.js';
import { elapse, type HarnessFactory } from './harness.js';

type AnalogInputDevice = AnalogInput & Device;

/** A rate the card surely runs at: 1 kHz, or the nearest it can. */
function testRate(range: Limits): number {
  return Math.min(range.max, Math.max(range.min, 1000));
}

/** Checks one block: `samples` of each of `channels`, finite, within range (plus 5 % of its span). */
function expectWellFormedBlock(device: AnalogInputDevice, block: AnalogBlock, channels: readonly string[], samples: number, firstSample: number): void {
  expect(block.samples, 'samples per channel').toBe(samples);
  expect(block.firstSample, 'first sample of the block').toBe(firstSample);
  expect(Object.keys(block.channels), 'channels of the block').toEqual(channels);
  const ranges = new Map(device.analogInputChannels().map((c) => [c.name, c.range]));
  for (const name of channels) {
    const reading = block.channels[name];
    if (reading === undefined) throw new Error(`no channel ${name} in the block`);
    const values = reading.value as readonly number[];
    expect(values, `${name}: one value per sample`).toHaveLength(samples);
    expect(reading.units).toBe('V');
    const range = ranges.get(name) as Limits;
    const margin = 0.05 * (range.max - range.min);
    for (const v of values) {
      expect(Number.isFinite(v) && v >= range.min - margin && v <= range.max + margin, `${name}: ${v} V within ${range.min}..${range.max} V`).toBe(true);
    }
  }
}

/** Registers the {@link AnalogInput} conformance cases for the devices `create` makes. */
export function analogInputConformance(label: string, create: HarnessFactory<AnalogInputDevice>): void {
  describe(`${label} conforms to AnalogInput`, () => {
    const test = harnessCases(create);

    test('lists channels with valid ranges in V, and valid rates', async ({ device }) => {
      const channels = device.analogInputChannels();
      expect(channels.length).toBeGreaterThan(0);
      expect(new Set(channels.map((c) => c.name)).size, 'channel names are unique').toBe(channels.length);
      for (const c of channels) {
        expectValidLimits(c.range, `range of ${c.name}`);
        expect(c.units).toBe('V');
      }
      const rates = device.analogInputRateRange();
      expectValidLimits(rates, 'analogInputRateRange()');
      expect(rates.min).toBeGreaterThan(0);
    });

    test('continuous blocks follow without gaps, timestamps n / rate apart, busy until stopped', async ({ device }) => {
      const rateHz = testRate(device.analogInputRateRange());
      const channels = device.analogInputChannels().map((c) => c.name);
      await device.configureAnalogInput({ rateHz });
      expect(await device.analogInputTiming()).toMatchObject({ rateHz, channels });
      await device.startAnalogInput();
      expect(device.state, 'state while acquiring').toBe('busy');
      const blocks: AnalogBlock[] = [];
      for (let i = 0; i < 3; i++) blocks.push(await device.readAnalogInput(100));
      blocks.forEach((block, i) => expectWellFormedBlock(device, block, channels, 100, 100 * i));
      const first = channels[0] as string;
      const t = blocks.map((b) => b.channels[first]?.timestampS ?? NaN);
      expectNear((t[1] ?? 0) - (t[0] ?? 0), 100 / rateHz, 1e-6, 'time between blocks 0 and 1');
      expectNear((t[2] ?? 0) - (t[1] ?? 0), 100 / rateHz, 1e-6, 'time between blocks 1 and 2');
      expect(blocks[0]?.rateHz).toBe(rateHz);
      await device.stopAnalogInput();
      expect(device.state, 'state after stopAnalogInput()').toBe('idle');
      await device.stopAnalogInput();
      await expectDaqError(device.readAnalogInput(10), 'failed_precondition', 'readAnalogInput after stop');
    });

    test('a finite acquisition of some channels gives exactly its samples, then refuses more', async ({ device }) => {
      const all = device.analogInputChannels().map((c) => c.name);
      const channels = all.length > 1 ? [all[all.length - 1] as string, all[0] as string] : all;
      const rateHz = testRate(device.analogInputRateRange());
      await device.configureAnalogInput({ rateHz, samplesPerChannel: 150, channels });
      expect(await device.analogInputTiming()).toMatchObject({ rateHz, samplesPerChannel: 150, channels });
      await device.startAnalogInput();
      expectWellFormedBlock(device, await device.readAnalogInput(100), channels, 100, 0);
      expectWellFormedBlock(device, await device.readAnalogInput(50), channels, 50, 100);
      await expectDaqError(device.readAnalogInput(1, 0.5), 'out_of_range', 'a read past the last sample');
      await device.stopAnalogInput();
      expect(device.state).toBe('idle');
    });

    test('refuses wrong settings, and settings while acquiring, keeping the timing', async ({ device }) => {
      const rates = device.analogInputRateRange();
      const rateHz = testRate(rates);
      await device.configureAnalogInput({ rateHz });
      const before = await device.analogInputTiming();
      await expectDaqError(device.configureAnalogInput({ rateHz: rates.max * 2 }), 'out_of_range', 'a rate above the range');
      await expectDaqError(device.configureAnalogInput({ rateHz, channels: ['no-such-channel'] }), 'not_found', 'an unknown channel');
      await expectDaqError(device.configureAnalogInput({ rateHz, samplesPerChannel: 0 }), 'invalid_argument', 'zero samples');
      await expectDaqError(device.configureAnalogInput({ rateHz, samplesPerChannel: 2.5 }), 'invalid_argument', 'a fraction of a sample');
      await expectDaqError(device.readAnalogInput(10), 'failed_precondition', 'a read before the start');
      expect(await device.analogInputTiming()).toEqual(before);
      await device.startAnalogInput();
      await expectDaqError(device.configureAnalogInput({ rateHz }), 'failed_precondition', 'configure while acquiring');
      await expectDaqError(device.startAnalogInput(), 'failed_precondition', 'a second start');
      await expectDaqError(device.readAnalogInput(0), 'invalid_argument', 'a read of 0 samples');
      await device.stopAnalogInput();
      expect(await device.analogInputTiming()).toEqual(before);
    });

    test('a read that waits longer than its timeout fails deadline_exceeded, and acquisition goes on', async ({ device }) => {
      const rateHz = testRate(device.analogInputRateRange());
      await device.configureAnalogInput({ rateHz, bufferSamplesPerChannel: 20 * rateHz });
      await device.startAnalogInput();
      await expectDaqError(device.readAnalogInput(10 * rateHz, 0.05), 'deadline_exceeded', `a read of 10 s of samples with a 0.05 s timeout`);
      const block = await device.readAnalogInput(10);
      expect(block.samples).toBe(10);
      await device.stopAnalogInput();
    });

    test('samples not read before the buffer fills are an overflow; a new start works', async ({ device, clock }) => {
      const rateHz = testRate(device.analogInputRateRange());
      const channels = device.analogInputChannels().map((c) => c.name);
      await device.configureAnalogInput({ rateHz, bufferSamplesPerChannel: 100 });
      await device.startAnalogInput();
      await device.readAnalogInput(10);
      await elapse(clock, 5 * (100 / rateHz) + 0.2);
      const error = await expectDaqError(device.readAnalogInput(10), 'resource_exhausted', 'a read after the buffer overflowed');
      expect(error.message).toMatch(/overflow/i);
      expect(device.state, 'the acquisition stopped').toBe('idle');
      await device.startAnalogInput();
      expectWellFormedBlock(device, await device.readAnalogInput(10), channels, 10, 0);
      await device.stopAnalogInput();
    });
  });
}
