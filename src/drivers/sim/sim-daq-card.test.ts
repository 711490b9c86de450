import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/index.js';
import { SIM_RAMP_PERIOD, SIM_RAMP_STEP_V, SimDaqCard, simDaqCardOptions } from './sim-daq-card.js';

async function connected(options: Record<string, unknown> = {}): Promise<{ card: SimDaqCard; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const card = new SimDaqCard('daq', simDaqCardOptions.parse(options), clock);
  await card.connect(new AbortController().signal);
  return { card, clock };
}

const values = (block: { channels: Record<string, { value: number | readonly number[] }> }, channel: string): number[] => [...(block.channels[channel]?.value as number[])];

describe('SimDaqCard', () => {
  it('ai2 counts samples: every sample of 25 blocks is there once, across the ramp wrapping', async () => {
    const { card } = await connected();
    await card.configureAnalogInput({ rateHz: 10_000, channels: ['ai2'] });
    await card.startAnalogInput();
    const all: number[] = [];
    for (let i = 0; i < 25; i++) all.push(...values(await card.readAnalogInput(1000), 'ai2'));
    await card.stopAnalogInput();
    expect(all).toHaveLength(25_000);
    all.forEach((v, i) => expect(Math.round(v / SIM_RAMP_STEP_V)).toBe(i % SIM_RAMP_PERIOD));
  });

  it('ai0 is the configured sine, ai1 follows ao0 from the moment it is written', async () => {
    const { card, clock } = await connected({ sine_amplitude: 2, sine_frequency: 10 });
    await card.configureAnalogInput({ rateHz: 1000, channels: ['ai0', 'ai1'] });
    await card.startAnalogInput();
    const first = await card.readAnalogInput(100);
    await card.writeAnalogOutput('ao0', 3.5);
    const written = clock.now();
    const second = await card.readAnalogInput(200);
    await card.stopAnalogInput();
    const t0 = first.channels['ai0']?.timestampS ?? 0;
    values(first, 'ai0').forEach((v, k) => expect(v).toBeCloseTo(2 * Math.sin(2 * Math.PI * 10 * (t0 + k / 1000)), 9));
    expect(values(first, 'ai1').every((v) => v === 0)).toBe(true);
    const t1 = second.channels['ai1']?.timestampS ?? 0;
    values(second, 'ai1').forEach((v, k) => expect(v).toBe(t0 + (100 + k) / 1000 >= written ? 3.5 : 0));
    expect(t1).toBeCloseTo(t0 + 0.1, 9);
    expect(values(second, 'ai1').at(-1)).toBe(3.5);
  });

  it('lines 0-3 drive lines 4-7; ctr0 counts counter_rate pulses a second', async () => {
    const { card, clock } = await connected({ counter_rate: 500 });
    await card.writeLine('port0/line1', true);
    expect(await card.readLine('port0/line5')).toBe(true);
    expect(await card.readLine('port0/line4')).toBe(false);
    await card.setLineDirection('port0/line1', 'input');
    expect(await card.readLine('port0/line5')).toBe(false);
    await card.resetCounter('ctr0');
    await clock.sleep(2);
    expect((await card.readCounter('ctr0')).value).toBe(1000);
  });

  it('refuses a range upside down, naming the field', () => {
    const parsed = simDaqCardOptions.safeParse({ ai_min: 5, ai_max: -5 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['ai_max'], message: 'ai_min must be below ai_max' });
  });
});
