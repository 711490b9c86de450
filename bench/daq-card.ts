/**
 * `make bench-daq`: hardware-timed analog input of the simulated DAQ card streamed into a run
 * (examples/daq_stream.js on examples/lab-daq.toml, two channels, blocks of 1000 samples per
 * channel): `daq run` in a child process, the whole path (card -> script -> record -> ring ->
 * HDF5 writer -> file) on real time. For each rate it prints the samples per second that reached
 * the file (all channels), the samples lost (read back from the file: ai2 counts samples, so
 * every missing or repeated one is found), and the CPU the run took (user + system, all threads,
 * as a share of one core: the CPU of a run of one block, start-up and all, taken off, divided by
 * the seconds streamed). Then the ni-daqmx driver alone, through koffi on the fake libnidaqmx.so
 * of its test (built here with gcc): 4 channels at 100 kHz read in blocks of 10,000, the samples
 * per second read, lost (its ai2 counts samples too) and this process's CPU.
 * Options: --seconds S (default 5), --rates 10000,50000,100000.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { datasetAt, loadH5, openH5 } from '../src/data/hdf5/h5.js';
import { isAnalogInput } from '../src/capabilities/index.js';
import { createSystemClock } from '../src/core/index.js';
import { niDaqmxDriver } from '../src/drivers/ni-daqmx/index.js';
import { SIM_RAMP_PERIOD, SIM_RAMP_STEP_V } from '../src/drivers/sim/index.js';
import { report } from './report.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');
const TICK_S = 1 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const BLOCK = 1000;
const CHANNELS = 2;

/** CPU ticks (user + system) of this process's waited-for children so far (/proc). */
function childTicks(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[13]) + Number(fields[14]);
}

/** Samples of the sample-counting ramp (ai2) that are not where they should be: lost, repeated or out of order. */
function lostSamples(ramp: Float64Array | number[], expected: number): number {
  let good = 0;
  for (let i = 0; i < Math.min(ramp.length, expected); i++) if (Math.round((ramp[i] ?? NaN) / SIM_RAMP_STEP_V) === i % SIM_RAMP_PERIOD) good++;
  return expected - good;
}

interface Streamed {
  /** Samples per channel in the file, and of those not where they should be. */
  samples: number;
  lost: number;
  eventsLost: number;
  /** From the first event's time to the last's, plus one block, s. */
  spanS: number;
  cpuS: number;
}

async function streamAt(rateHz: number, seconds: number): Promise<Streamed> {
  const dataDir = mkdtempSync(join(tmpdir(), 'daq-bench-card-'));
  try {
    const ticks = childTicks();
    const args = [DAQ, 'run', 'examples/daq_stream.js', '--config', 'examples/lab-daq.toml', '--data-dir', dataDir, '--json'];
    for (const [k, v] of [['rate', rateHz], ['seconds', seconds], ['block', BLOCK]] as const) args.push('--param', `${k}=${v}`);
    const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DAQ_REMOTE: '' } });
    const cpuS = (childTicks() - ticks) * TICK_S;
    if (result.status !== 0) throw new Error(`daq run at ${rateHz} Hz exited ${String(result.status)}: ${result.stderr}`);
    const summary = JSON.parse(result.stdout) as { durationS: number; eventsLost: number; file: string };
    const file = openH5(summary.file, 'r');
    let ramp: Float64Array;
    let times: Float64Array;
    try {
      ramp = datasetAt(file, 'entry/data/ai/ai2')?.value as Float64Array;
      times = datasetAt(file, 'entry/data/ai/time')?.value as Float64Array;
    } finally {
      file.close();
    }
    const samples = Math.round(rateHz * seconds);
    const spanS = (times.at(-1) ?? 0) - (times[0] ?? 0) + BLOCK / rateHz;
    return { samples, lost: lostSamples(ramp, samples), eventsLost: summary.eventsLost, spanS, cpuS };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rates: { type: 'string', default: '10000,50000,100000' } } });
await loadH5();
const seconds = Number(values.seconds);
const baseline = await streamAt(10_000, BLOCK / 10_000);
for (const rate of String(values.rates).split(',').map(Number)) {
  const run = await streamAt(rate, seconds);
  const label = `DAQ card ${rate / 1000} kHz x ${CHANNELS} ch -> ring -> HDF5`;
  report(`${label}: samples/s sustained`, (CHANNELS * (run.samples - run.lost)) / run.spanS, 'S/s', `${seconds} s, blocks of ${BLOCK}; first to last event`);
  report(`${label}: samples lost`, run.lost, '', `of ${CHANNELS * run.samples}; ${run.eventsLost} events lost`);
  report(`${label}: CPU`, (100 * (run.cpuS - baseline.cpuS)) / seconds, '% of a core', `${run.cpuS.toFixed(2)} s for the run less ${baseline.cpuS.toFixed(2)} s for one block`);
}

/** The ni-daqmx driver on the fake library: samples/s read, lost, CPU share of this process. */
async function niDaqmxOnFake(seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'daq-bench-nidaqmx-'));
  try {
    const library = join(dir, 'libnidaqmx.so');
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', library, join(ROOT, 'src/drivers/ni-daqmx/fake/fake-nidaqmx.c'), '-lm']);
    const clock = createSystemClock();
    const card = niDaqmxDriver.create('daq', niDaqmxDriver.options.parse({ library, device: 'Dev1', ai_channels: ['ai0', 'ai1', 'ai2', 'ai3'] }), { clock, device: () => { throw new Error('no other devices'); } });
    if (!isAnalogInput(card)) throw new Error('ni-daqmx is not AnalogInput');
    await card.connect(new AbortController().signal);
    const rateHz = 100_000;
    const block = 10_000;
    const blocks = Math.round((rateHz * seconds) / block);
    await card.configureAnalogInput({ rateHz, bufferSamplesPerChannel: 4 * rateHz });
    const cpu0 = process.cpuUsage();
    const t0 = clock.now();
    await card.startAnalogInput();
    const ramp: number[] = [];
    for (let i = 0; i < blocks; i++) ramp.push(...((await card.readAnalogInput(block)).channels['ai2']?.value as number[]));
    const wallS = clock.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await card.stopAnalogInput();
    await card.disconnect();
    const samples = blocks * block;
    const lost = lostSamples(ramp, samples);
    const label = `ni-daqmx on the fake library, 100 kHz x 4 ch`;
    report(`${label}: samples/s read`, (4 * (samples - lost)) / wallS, 'S/s', `${seconds} s, blocks of ${block}`);
    report(`${label}: samples lost`, lost, '', `of ${4 * samples}`);
    report(`${label}: CPU`, (100 * (cpu.user + cpu.system)) / 1e6 / wallS, '% of a core', 'this process: driver, koffi, the fake library');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await niDaqmxOnFake(seconds);
