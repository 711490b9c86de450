/**
 * examples/daq_stream.js on examples/lab-daq.toml through the run engine, on a virtual clock:
 * the simulated card's hardware-timed input becomes one event per block, every sample once, in
 * order (ai2 counts samples), each channel in V with the time of its first sample; a script that
 * reads too late gets the overflow, and the run fails naming it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunEvent, EventDescriptor } from './documents.js';
import { engineFor, runScript } from './run-engine.fixture.js';

const STREAM = readFileSync('examples/daq_stream.js', 'utf8');

describe('a DAQ card streamed into a run', () => {
  it('records every sample of a 10 kHz acquisition once, in blocks, in V', async () => {
    const { engine, lab, documents } = await engineFor({ file: 'examples/lab-daq.toml' });
    try {
      const { stop } = await runScript(engine, STREAM, { params: { rate: 10_000, seconds: 2, block: 500 } });
      expect(stop.exitStatus, stop.reason).toBe('success');
      const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor' && d.name === 'ai');
      expect(descriptor?.dataKeys['ai2']).toEqual({ dtype: 'float64', shape: [500], units: 'V', source: 'daq' });
      expect(descriptor?.objectKeys?.['daq']).toEqual(['ai0', 'ai2']);
      const events = documents.filter((d): d is RunEvent => d.kind === 'event' && d.stream === 'ai');
      expect(events.map((e) => e.data['first_sample'])).toEqual(Array.from({ length: 40 }, (_, i) => 500 * i));
      const ramp = events.flatMap((e) => [...(e.data['ai2'] as number[])]);
      expect(ramp.map((v) => Math.round(v * 1000))).toEqual(Array.from({ length: 20_000 }, (_, i) => i % 10_000));
      const t = events.map((e) => e.timestamps['ai2'] ?? NaN);
      t.slice(1).forEach((ti, i) => expect(ti - (t[i] ?? NaN)).toBeCloseTo(0.05, 6));
    } finally {
      await lab.disconnect();
    }
  });

  it('fails the run with the overflow when the script reads too late', async () => {
    const { engine, lab } = await engineFor({ file: 'examples/lab-daq.toml' });
    try {
      const late = `
        daq.configureAnalogInput({ rateHz: 10000, bufferSamplesPerChannel: 1000 });
        daq.startAnalogInput();
        daq.readAnalogInput(100);
        sleep(0.5);
        daq.readAnalogInput(100);
      `;
      const { stop } = await runScript(engine, late);
      expect(stop.exitStatus).toBe('fail');
      expect(stop.reason).toMatch(/daq: read analog input failed: analog input buffer overflow: \d+ samples per channel were waiting in a buffer of 1000/);
      expect(lab.device('daq').state).toBe('idle');
    } finally {
      await lab.disconnect();
    }
  });
});
