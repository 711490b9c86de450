import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../capabilities/index.js';
import { VirtualClock } from '../../core/index.js';
import { SimVoltageSource, simVoltageSourceOptions } from './sim-voltage-source.js';

async function connected(
  options: Record<string, unknown> = {},
  clock = new VirtualClock(),
): Promise<{ source: SimVoltageSource; clock: VirtualClock }> {
  const source = new SimVoltageSource('bias', simVoltageSourceOptions.parse(options), clock);
  const connecting = source.connect(new AbortController().signal);
  await clock.advance(0.05);
  await connecting;
  return { source, clock };
}

describe('SimVoltageSource', () => {
  it('is a VoltageSource, Readable, Stoppable and Parameterized, in V', () => {
    const source = new SimVoltageSource('bias', simVoltageSourceOptions.parse({}), new VirtualClock());
    expect(capabilitiesOf(source)).toEqual(['Readable', 'VoltageSource', 'Stoppable', 'Parameterized']);
    expect(source.describe()).toEqual({ dtype: 'float64', shape: [], units: 'V' });
  });

  it('slews to a new voltage at the slew rate and reads it back with little noise', async () => {
    const { source, clock } = await connected({}, new VirtualClock({ autoAdvance: false }));
    const setting = source.setVoltage(5);
    await clock.advance(0.025);
    expect(await source.voltage()).toBeCloseTo(2.5, 4);
    await clock.advance(0.025);
    await setting;
    expect(await source.voltage()).toBe(5);
    const measured = (await source.read()).value as number;
    expect(Math.abs(measured - 5)).toBeLessThan(1e-3);
    expect(measured).not.toBe(5);
  });

  it('refuses voltages out of range and keeps its output', async () => {
    const { source } = await connected();
    await source.setVoltage(3);
    await expect(source.setVoltage(12)).rejects.toMatchObject({
      code: 'out_of_range',
      message: 'bias: voltage 12 V is outside the limits -10..10 V',
    });
    expect(await source.voltage()).toBe(3);
  });

  it('stop() brings the output to 0 V, cancelling a change under way', async () => {
    const { source } = await connected({ slew_rate: 1 });
    await source.setVoltage(2);
    const rising = source.setVoltage(8).catch((error: unknown) => error);
    await source.stop();
    expect(await source.voltage()).toBe(0);
    expect(await rising).toMatchObject({ code: 'cancelled' });
    expect(source.state).toBe('idle');
  });

  it('goes to the allowed value nearest 0 V when 0 V is outside its range', async () => {
    const { source } = await connected({ min: 1, max: 5, voltage: 3 });
    await source.stop();
    expect(await source.voltage()).toBe(1);
  });

  it('refuses to set before connect, but stop() is harmless', async () => {
    const source = new SimVoltageSource('bias', simVoltageSourceOptions.parse({}), new VirtualClock());
    await expect(source.setVoltage(1)).rejects.toMatchObject({ code: 'failed_precondition' });
    await expect(source.stop()).resolves.toBeUndefined();
  });
});
