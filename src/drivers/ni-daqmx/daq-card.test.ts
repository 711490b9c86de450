/**
 * The NI-DAQmx driver through koffi against a fake libnidaqmx.so, compiled here from
 * `fake/fake-nidaqmx.c` (constants from `fake/nidaqmx-public.h`, written from the public
 * NIDAQmx.h) with gcc, so the FFI path really runs on real time: the conformance suites of every
 * capability, the card's wiring seen through the driver, DAQmx's own errors, and no task left
 * open.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { afterAll, describe, expect, it } from 'vitest';
import { isAnalogInput, isAnalogOutput, isCounter, isDigitalIO } from '../../capabilities/index.js';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { DaqError } from '../../core/index.js';
import { type Device, parseLabConfig } from '../../devices/index.js';
import { DRIVERS } from '../index.js';
import { makeDevice, wireHarness } from '../common/wire-harness.fixture.js';
import { niDaqmxDriver, niDaqmxOptions } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'daq-nidaqmx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const library = join(dir, 'libnidaqmx.so');
execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-o', library, join(import.meta.dirname, 'fake/fake-nidaqmx.c'), '-lm']);
const options = (): Record<string, unknown> => ({
  library,
  device: 'Dev1',
  ai_channels: ['ai0', 'ai1', 'ai2', 'ai3'],
  ao_channels: ['ao0', 'ao1'],
  output_lines: ['port0/line0', 'port0/line1'],
  input_lines: ['port0/line4', 'port0/line5'],
  counters: ['ctr0'],
});
const openTasks = koffi.load(library).func('int fake_daqmx_open_tasks()') as () => number;

conformanceFor('ni-daqmx on a fake libnidaqmx.so', wireHarness(niDaqmxDriver, 'daq', options));

async function connected(extra: Record<string, unknown> = {}): Promise<Device> {
  const card = makeDevice(niDaqmxDriver, 'daq', { ...options(), ...extra });
  await card.connect(new AbortController().signal);
  return card;
}

describe('ni-daqmx', () => {
  it('reads the card\'s signals: the sample-counting ramp without a gap, and ao0 looped back to ai1', async () => {
    const card = await connected();
    if (!isAnalogInput(card) || !isAnalogOutput(card)) throw new Error('not a DAQ card');
    try {
      await card.writeAnalogOutput('ao0', 2.5);
      await card.configureAnalogInput({ rateHz: 20_000, channels: ['ai2', 'ai1'] });
      await card.startAnalogInput();
      const ramp: number[] = [];
      const loop: number[] = [];
      for (let i = 0; i < 6; i++) {
        const block = await card.readAnalogInput(2000);
        ramp.push(...(block.channels['ai2']?.value as number[]));
        loop.push(...(block.channels['ai1']?.value as number[]));
      }
      await card.stopAnalogInput();
      // The fake's ai2: sample i is (i mod 10000) mV.
      expect(ramp.map((v) => Math.round(v * 1000))).toEqual(ramp.map((_, i) => i % 10_000));
      expect(new Set(loop)).toEqual(new Set([2.5]));
    } finally {
      await card.disconnect();
    }
    expect(openTasks(), 'every task is cleared on disconnect').toBe(0);
  });

  it('drives lines wired to inputs, and counts the 1 kHz pulse train', async () => {
    const card = await connected();
    if (!isDigitalIO(card) || !isCounter(card)) throw new Error('not a DAQ card');
    try {
      await card.writeLine('port0/line1', true);
      expect(await card.readLine('port0/line5')).toBe(true);
      expect(await card.readLine('port0/line4')).toBe(false);
      // A line belongs to one task: the driver clears the old one before making the new.
      await card.setLineDirection('port0/line4', 'output');
      await card.setLineDirection('port0/line4', 'input');
      await card.resetCounter('ctr0');
      const first = (await card.readCounter('ctr0')).value as number;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = (await card.readCounter('ctr0')).value as number;
      expect(second - first).toBeGreaterThanOrEqual(90);
    } finally {
      await card.disconnect();
    }
  });

  it('turns DAQmx error -200279 into an overflow naming it, with DAQmx\'s own words', async () => {
    const card = await connected();
    if (!isAnalogInput(card)) throw new Error('not a DAQ card');
    try {
      await card.configureAnalogInput({ rateHz: 10_000, bufferSamplesPerChannel: 500 });
      await card.startAnalogInput();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const error = await expectDaqError(card.readAnalogInput(100), 'resource_exhausted', 'a read after the buffer overflowed');
      expect(error.message).toMatch(/^daq: read analog input failed: analog input buffer overflow .*DAQmx error -200279 in DAQmxReadAnalogF64: The application is not able to keep up with the hardware acquisition/);
      expect(card.state).toBe('idle');
    } finally {
      await card.disconnect();
    }
    expect(openTasks()).toBe(0);
  });

  it('fails to connect with what to install when the library is missing; names the devices there are', async () => {
    const missing = makeDevice(niDaqmxDriver, 'daq', { ...options(), library: join(dir, 'missing/libnidaqmx.so') });
    const error = await expectDaqError(missing.connect(new AbortController().signal), 'unavailable', 'connect without NI-DAQmx');
    expect(error.message).toMatch(/daq: failed to connect: cannot load the NI-DAQmx library ".*missing\/libnidaqmx.so": .*Install NI-DAQmx for Linux/);
    const absent = makeDevice(niDaqmxDriver, 'daq', { ...options(), device: 'Dev7' });
    const notThere = await expectDaqError(absent.connect(new AbortController().signal), 'not_found', 'connect to an absent device');
    expect(notThere.message).toContain('NI-DAQmx has no device "Dev7" (devices: Dev1)');
  });

  it('a channel the card does not have fails the connect with DAQmx\'s error, and leaves no task', async () => {
    const card = makeDevice(niDaqmxDriver, 'daq', { ...options(), ao_channels: ['ao0', 'ao7'] });
    const error = await expectDaqError(card.connect(new AbortController().signal), 'not_found', 'connect with ao7');
    expect(error.message).toContain('no such physical channel: DAQmx error -200170 in DAQmxCreateAOVoltageChan("Dev1/ao7")');
    expect(openTasks()).toBe(0);
  });

  it('a card with only a counter connects, counts, and refuses analog input', async () => {
    const card = makeDevice(niDaqmxDriver, 'daq', { library, device: 'Dev1', counters: ['ctr1'] });
    if (!isAnalogInput(card) || !isCounter(card)) throw new Error('not a DAQ card');
    await card.connect(new AbortController().signal);
    try {
      expect(card.analogInputChannels()).toEqual([]);
      expect((await card.readCounter('ctr1')).units).toBe('counts');
      const error = await expectDaqError(card.startAnalogInput(), 'failed_precondition', 'analog input on a card without inputs');
      expect(error.message).toBe('daq: start analog input refused: the card has no analog input configured');
    } finally {
      await card.disconnect();
    }
  });

  it('refuses bad settings naming the field', () => {
    const cases: [Record<string, unknown>, (string | number)[], RegExp][] = [
      [{ device: 'Dev1', ai_range: [5, -5] }, ['ai_range'], /min below max/],
      [{ device: 'Dev1', ai_channels: ['ai0', 'ai0'] }, ['ai_channels', 1], /already in ai_channels/],
      [{ device: 'Dev1', ai_channels: ['ai 0'] }, ['ai_channels', 0], /a channel of the device/],
      [{ device: 'Dev1' }, ['ai_channels'], /at least one channel/],
      [{ device: 'Dev1', ai_channels: ['ai0'], ai_terminal: 'single' }, ['ai_terminal'], /./],
    ];
    for (const [raw, path, message] of cases) {
      const parsed = niDaqmxOptions.safeParse(raw);
      expect(parsed.success, JSON.stringify(raw)).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(path);
      expect(parsed.error?.issues[0]?.message).toMatch(message);
    }
  });

  it('a lab config with bad card settings is refused at each line, naming the device and the field', () => {
    const source = ['[devices.daq]', 'driver = "ni-daqmx"', 'device = "Dev1"', 'ai_channels = ["ai0", "ai0"]', 'ai_range = [10, -10]', ''].join('\n');
    let error: unknown;
    try {
      parseLabConfig(source, 'lab.toml', DRIVERS);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DaqError);
    const problems = (error as DaqError).children.map((c) => [c.location?.file, c.location?.line, c.message]);
    expect(problems).toEqual([
      ['lab.toml', 4, 'device "daq", field "ai_channels.1": "ai0" is already in ai_channels (got string "ai0")'],
      ['lab.toml', 5, 'device "daq", field "ai_range": a range is [min, max] with min below max, in V (got an array)'],
    ]);
  });
});
