/**
 * `ni-daqmx`: a National Instruments data-acquisition card through the vendor's NI-DAQmx C
 * library, called with koffi (FFI). Nothing NI-DAQmx is loaded until a lab with such a card
 * connects; a missing library fails the connect with how to fix it.
 *
 * Tasks, as NI-DAQmx wants them: one task per analog output (a scalar write needs a task of
 * one channel), one per digital line (made again as a DI or a DO task when its direction
 * changes: a line belongs to one task), one counting-edges task per counter (running from
 * connect; a reset stops and starts it, which sets its count back to 0), and one analog-input
 * task per acquisition (`DAQmxCfgSampClkTiming` on the card's clock, `DAQmxCfgInputBuffer`,
 * read with `DAQmxReadAnalogF64` once `DAQmxGetReadAvailSampPerChan` says the samples are there,
 * so no call blocks the daemon). DAQmx's error -200279 (samples no longer available) is the
 * overflow of the AnalogInput contract.
 */
import type { LineDirection } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { type DaqCardBackend, DaqCardDevice, type ResolvedTiming } from '../common/daq-card.js';
import { type DaqmxApi, loadDaqmx, type TaskHandle, VAL } from './daqmx-api.js';
import type { NiDaqmxOptions } from './options.js';

const TERMINAL: Record<NiDaqmxOptions['ai_terminal'], number> = {
  default: VAL.Cfg_Default,
  rse: VAL.RSE,
  nrse: VAL.NRSE,
  diff: VAL.Diff,
  pseudodiff: VAL.PseudoDiff,
};

/** The open tasks of one connection. */
class DaqmxSession implements DaqCardBackend {
  private ai: { task: TaskHandle; channels: number; buffer: Float64Array } | undefined;
  private readonly outputs = new Map<string, TaskHandle>();
  private readonly lines = new Map<string, TaskHandle>();
  private readonly counters = new Map<string, TaskHandle>();

  constructor(
    private readonly api: DaqmxApi,
    private readonly options: NiDaqmxOptions,
  ) {}

  /** Makes the output and counter tasks (lines are made by `setLineDirection`). Clears what it made when one fails. */
  open(): void {
    try {
      const [min, max] = this.options.ao_range;
      for (const channel of this.options.ao_channels) {
        const task = this.task(this.outputs, channel);
        this.api.createAOVoltageChan(task, this.physical(channel), channel, min, max);
      }
      for (const counter of this.options.counters) {
        const task = this.task(this.counters, counter);
        this.api.createCICountEdgesChan(task, this.physical(counter));
        this.api.startTask(task);
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Clears every task, going on past failures. */
  close(): void {
    this.stopAnalogInput();
    for (const tasks of [this.outputs, this.lines, this.counters]) {
      for (const task of tasks.values()) {
        try {
          this.api.clearTask(task);
        } catch {
          // clearing is best effort: the next connect makes new tasks
        }
      }
      tasks.clear();
    }
  }

  startAnalogInput(timing: ResolvedTiming): void {
    this.stopAnalogInput();
    const task = this.api.createTask();
    try {
      const [min, max] = this.options.ai_range;
      for (const channel of timing.channels) this.api.createAIVoltageChan(task, this.physical(channel), channel, TERMINAL[this.options.ai_terminal], min, max);
      const finite = timing.samplesPerChannel !== undefined;
      this.api.cfgSampClkTiming(task, timing.rateHz, finite, timing.samplesPerChannel ?? timing.bufferSamplesPerChannel);
      this.api.cfgInputBuffer(task, timing.bufferSamplesPerChannel);
      this.api.startTask(task);
    } catch (error) {
      this.api.clearTask(task);
      throw error;
    }
    this.ai = { task, channels: timing.channels.length, buffer: new Float64Array(0) };
  }

  stopAnalogInput(): void {
    const ai = this.ai;
    if (ai === undefined) return;
    this.ai = undefined;
    try {
      this.api.stopTask(ai.task);
    } finally {
      this.api.clearTask(ai.task);
    }
  }

  analogInputAvailable(): number {
    return this.api.readAvailable(this.requireAi().task);
  }

  readAnalogInput(samples: number): Float64Array[] {
    const ai = this.requireAi();
    if (ai.buffer.length !== samples * ai.channels) ai.buffer = new Float64Array(samples * ai.channels);
    this.api.readAnalogF64(ai.task, samples, ai.buffer);
    // Grouped by channel: channel c's samples are [c * samples, (c + 1) * samples).
    return Array.from({ length: ai.channels }, (_, c) => ai.buffer.slice(c * samples, (c + 1) * samples));
  }

  writeAnalogOutput(channel: string, volts: number): void {
    this.api.writeAnalogScalarF64(this.require(this.outputs, channel), volts);
  }

  setLineDirection(line: string, direction: LineDirection): void {
    const old = this.lines.get(line);
    if (old !== undefined) {
      this.lines.delete(line);
      this.api.clearTask(old);
    }
    const task = this.task(this.lines, line);
    if (direction === 'output') {
      this.api.createDOChan(task, this.physical(line));
      this.api.writeDigitalLine(task, false);
    } else {
      this.api.createDIChan(task, this.physical(line));
    }
  }

  readLine(line: string): boolean {
    return this.api.readDigitalLine(this.require(this.lines, line));
  }

  writeLine(line: string, value: boolean): void {
    this.api.writeDigitalLine(this.require(this.lines, line), value);
  }

  readCounter(counter: string): number {
    return this.api.readCounterScalarU32(this.require(this.counters, counter));
  }

  resetCounter(counter: string): void {
    const task = this.require(this.counters, counter);
    this.api.stopTask(task);
    this.api.startTask(task);
  }

  private physical(channel: string): string {
    return `${this.options.device}/${channel}`;
  }

  /** A new task, kept under `name` in `tasks` at once so that `close()` clears it whatever fails next. */
  private task(tasks: Map<string, TaskHandle>, name: string): TaskHandle {
    const task = this.api.createTask();
    tasks.set(name, task);
    return task;
  }

  private require(tasks: Map<string, TaskHandle>, name: string): TaskHandle {
    const task = tasks.get(name);
    if (task === undefined) throw new DaqError('internal', `no NI-DAQmx task for "${name}"`);
    return task;
  }

  private requireAi(): { task: TaskHandle; channels: number; buffer: Float64Array } {
    if (this.ai === undefined) throw new DaqError('failed_precondition', 'analog input is not running');
    return this.ai;
  }
}

/** An NI-DAQmx card. */
export class NiDaqmxCard extends DaqCardDevice {
  readonly driver = 'ni-daqmx';
  private session: DaqmxSession | undefined;

  constructor(
    name: string,
    private readonly options: NiDaqmxOptions,
    clock: Clock,
  ) {
    const channel = (range: [number, number]) => (n: string) => ({ name: n, range: { min: range[0], max: range[1] }, units: 'V' });
    super(
      name,
      {
        analogInputs: options.ai_channels.map(channel(options.ai_range)),
        analogOutputs: options.ao_channels.map(channel(options.ao_range)),
        lines: [...options.output_lines.map((n) => ({ name: n, direction: 'output' as const })), ...options.input_lines.map((n) => ({ name: n, direction: 'input' as const }))],
        counters: [...options.counters],
        // The slowest sample clock of NI's multifunction cards is far below 1 Hz; 0.1 Hz is a floor every card meets.
        rateRange: { min: 0.1, max: options.max_rate },
      },
      clock,
    );
  }

  protected backend(): DaqCardBackend {
    if (this.session === undefined) throw new DaqError('failed_precondition', `${this.name}: not connected`);
    return this.session;
  }

  protected async openConnection(): Promise<void> {
    const api = await loadDaqmx(this.options.library);
    const devices = api.deviceNames();
    if (!devices.includes(this.options.device)) {
      throw new DaqError('not_found', `NI-DAQmx has no device "${this.options.device}" (devices: ${devices.join(', ') || 'none'}); names are as NI MAX or nilsdev show them`);
    }
    const session = new DaqmxSession(api, this.options);
    session.open();
    this.session = session;
    try {
      this.initialiseOutputs();
    } catch (error) {
      this.session = undefined;
      session.close();
      throw error;
    }
  }

  protected async closeConnection(): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    try {
      this.endAcquisition();
    } finally {
      this.session = undefined;
      session.close();
    }
  }
}
