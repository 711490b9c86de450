/**
 * What every data-acquisition card shares, simulated or real: the checks of the AnalogInput,
 * AnalogOutput, DigitalIO and Counter contracts (channel names, ranges, timing, one acquisition
 * at a time), sample numbering and timestamps, waiting for samples on the lab's clock, and the
 * safe state. A card driver supplies only a {@link DaqCardBackend} that talks to the hardware
 * (or simulates it); the backend's calls are synchronous (a C library's, a simulation's).
 *
 * Timestamps: sample `i` of an acquisition is stamped `t0 + i / rateHz`, `t0` the clock's time
 * when the card started sampling; nothing in between drifts, so blocks line up exactly.
 */
import type {
  AnalogBlock,
  AnalogChannel,
  AnalogInput,
  AnalogInputTiming,
  AnalogOutput,
  Counter,
  DigitalIO,
  DigitalLine,
  LineDirection,
  Limits,
  Reading,
  Stoppable,
} from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { BaseDevice, requireInRange } from '../../devices/index.js';

/** A timing with every field filled in. */
export interface ResolvedTiming {
  rateHz: number;
  /** `undefined`: continuous. */
  samplesPerChannel: number | undefined;
  channels: string[];
  bufferSamplesPerChannel: number;
}

/** What a card's driver does on the hardware. Every call may throw a `DaqError`. */
export interface DaqCardBackend {
  /** Sets up and starts hardware-timed sampling. */
  startAnalogInput(timing: ResolvedTiming): void;
  /** Stops sampling and frees it. Safe to call when not sampling. */
  stopAnalogInput(): void;
  /** Samples per channel taken and not yet read. */
  analogInputAvailable(): number;
  /** Takes the next `samples` samples per channel (they are available): one array per channel, in timing order. */
  readAnalogInput(samples: number): Float64Array[];
  writeAnalogOutput(channel: string, volts: number): void;
  setLineDirection(line: string, direction: LineDirection): void;
  readLine(line: string): boolean;
  writeLine(line: string, value: boolean): void;
  readCounter(counter: string): number;
  resetCounter(counter: string): void;
}

/** The channels, lines and counters a card has (from its lab config), and its rates. */
export interface DaqCardLayout {
  analogInputs: AnalogChannel[];
  analogOutputs: AnalogChannel[];
  /** Each line with its direction at connect. */
  lines: DigitalLine[];
  counters: string[];
  rateRange: Limits;
}

interface Acquisition {
  timing: ResolvedTiming;
  t0: number;
  next: number;
  release: () => void;
  reading: boolean;
}

const DEFAULT_TIMEOUT_S = 10;

/** A data-acquisition card: its capabilities' contracts over a {@link DaqCardBackend}. */
export abstract class DaqCardDevice extends BaseDevice implements AnalogInput, AnalogOutput, DigitalIO, Counter, Stoppable {
  protected readonly clock: Clock;
  protected readonly layout: DaqCardLayout;
  private timing: ResolvedTiming;
  private acquisition: Acquisition | undefined;
  private readonly outputs = new Map<string, number>();
  private readonly directions = new Map<string, LineDirection>();

  constructor(name: string, layout: DaqCardLayout, clock: Clock) {
    super(name);
    this.clock = clock;
    this.layout = layout;
    // 1 kHz (or the nearest rate the card has) on every input, until configured.
    const rateHz = Math.min(layout.rateRange.max, Math.max(layout.rateRange.min, 1000));
    this.timing = { rateHz, samplesPerChannel: undefined, channels: layout.analogInputs.map((c) => c.name), bufferSamplesPerChannel: Math.max(Math.ceil(rateHz), 1000) };
    for (const line of layout.lines) this.directions.set(line.name, line.direction);
  }

  /** The backend of the open connection; throws when not connected. */
  protected abstract backend(): DaqCardBackend;

  analogInputChannels(): AnalogChannel[] {
    return this.layout.analogInputs.map((c) => ({ ...c, range: { ...c.range } }));
  }

  analogInputRateRange(): Limits {
    return { ...this.layout.rateRange };
  }

  configureAnalogInput(timing: AnalogInputTiming): Promise<void> {
    let resolved: ResolvedTiming;
    return this.command(
      'configure analog input',
      () => {
        this.requireNotAcquiring('configure analog input');
        resolved = this.resolve(timing);
      },
      async () => {
        this.timing = resolved;
      },
    );
  }

  analogInputTiming(): Promise<AnalogInputTiming> {
    return this.query('read analog input timing', () => {
      const { samplesPerChannel, ...rest } = this.timing;
      return { ...rest, channels: [...rest.channels], ...(samplesPerChannel === undefined ? {} : { samplesPerChannel }) };
    });
  }

  startAnalogInput(): Promise<void> {
    return this.command(
      'start analog input',
      () => {
        this.requireNotAcquiring('start analog input');
        if (this.timing.channels.length === 0) throw new DaqError('failed_precondition', 'the card has no analog input configured');
      },
      async () => {
        const timing = this.timing;
        this.backend().startAnalogInput(timing);
        this.acquisition = { timing, t0: this.clock.now(), next: 0, release: this.beginActivity(), reading: false };
      },
    );
  }

  async stopAnalogInput(): Promise<void> {
    if (this.acquisition === undefined) return;
    this.endAcquisition();
  }

  async readAnalogInput(samplesPerChannel: number, timeoutS = DEFAULT_TIMEOUT_S): Promise<AnalogBlock> {
    const n = samplesPerChannel;
    const acquisition = this.acquisition;
    try {
      this.requireConnected('read analog input');
      if (!Number.isInteger(n) || n < 1) throw new DaqError('invalid_argument', `samples per channel must be a whole number >= 1, got ${String(n)}`);
      if (typeof timeoutS !== 'number' || !(timeoutS >= 0)) throw new DaqError('invalid_argument', `timeout must be a number of seconds >= 0, got ${String(timeoutS)}`);
      if (acquisition === undefined) throw new DaqError('failed_precondition', 'analog input is not running: startAnalogInput() first');
      if (acquisition.reading) throw new DaqError('failed_precondition', 'another read of analog input is waiting; read from one place at a time');
      const total = acquisition.timing.samplesPerChannel;
      if (total !== undefined && acquisition.next + n > total) {
        throw new DaqError('out_of_range', `the acquisition has ${total} samples per channel and ${total - acquisition.next} are left to read, not ${n}`);
      }
    } catch (error) {
      throw this.wrap(error, 'read analog input refused');
    }
    acquisition.reading = true;
    try {
      await this.waitForSamples(acquisition, n, timeoutS);
      const data = this.backend().readAnalogInput(n);
      return this.block(acquisition, n, data);
    } catch (error) {
      // An overflow ends the acquisition: the card stopped filling its buffer.
      if (error instanceof DaqError && error.code === 'resource_exhausted' && this.acquisition === acquisition) this.endAcquisition();
      throw this.wrap(error, 'read analog input failed');
    } finally {
      acquisition.reading = false;
    }
  }

  analogOutputChannels(): AnalogChannel[] {
    return this.layout.analogOutputs.map((c) => ({ ...c, range: { ...c.range } }));
  }

  writeAnalogOutput(channel: string, volts: number): Promise<void> {
    return this.command(
      `write ${channel}`,
      () => requireInRange(this.name, channel, volts, this.outputChannel(channel).range, 'V'),
      async () => {
        this.backend().writeAnalogOutput(channel, volts);
        this.outputs.set(channel, volts);
      },
    );
  }

  analogOutput(channel: string): Promise<number> {
    return this.query(`read ${channel}`, () => {
      this.outputChannel(channel);
      return this.outputs.get(channel) ?? 0;
    });
  }

  digitalLines(): DigitalLine[] {
    return this.layout.lines.map((l) => ({ name: l.name, direction: this.directions.get(l.name) ?? l.direction }));
  }

  setLineDirection(line: string, direction: LineDirection): Promise<void> {
    return this.command(
      `make ${line} an ${String(direction)}`,
      () => {
        this.requireLine(line);
        if (direction !== 'input' && direction !== 'output') throw new DaqError('invalid_argument', `direction must be "input" or "output", got ${JSON.stringify(direction)}`);
      },
      async () => {
        this.backend().setLineDirection(line, direction);
        this.directions.set(line, direction);
      },
    );
  }

  readLine(line: string): Promise<boolean> {
    return this.query(`read ${line}`, () => {
      this.requireLine(line);
      return this.backend().readLine(line);
    });
  }

  writeLine(line: string, value: boolean): Promise<void> {
    return this.command(
      `write ${line}`,
      () => {
        this.requireLine(line);
        if (this.directions.get(line) !== 'output') throw new DaqError('failed_precondition', `${line} is an input: setLineDirection("${line}", "output") first`);
        if (typeof value !== 'boolean') throw new DaqError('invalid_argument', `the level must be true or false, got ${JSON.stringify(value)}`);
      },
      async () => this.backend().writeLine(line, value),
    );
  }

  counterChannels(): string[] {
    return [...this.layout.counters];
  }

  readCounter(counter: string): Promise<Reading> {
    return this.query(`read ${counter}`, () => {
      this.requireCounter(counter);
      return { value: this.backend().readCounter(counter), timestampS: this.clock.now(), units: 'counts' };
    });
  }

  resetCounter(counter: string): Promise<void> {
    return this.command(
      `reset ${counter}`,
      () => this.requireCounter(counter),
      async () => this.backend().resetCounter(counter),
    );
  }

  /** The safe state: analog input stopped, every analog output at 0 V (or the value of its range nearest 0). */
  async stop(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'busy') return;
    if (this.acquisition !== undefined) this.endAcquisition();
    for (const { name, range } of this.layout.analogOutputs) {
      await this.writeAnalogOutput(name, Math.min(range.max, Math.max(range.min, 0)));
    }
  }

  /** Called by subclasses after the backend is open: outputs start at 0 V, lines as configured. */
  protected initialiseOutputs(): void {
    this.outputs.clear();
    for (const { name, range } of this.layout.analogOutputs) {
      const safe = Math.min(range.max, Math.max(range.min, 0));
      this.backend().writeAnalogOutput(name, safe);
      this.outputs.set(name, safe);
    }
    for (const [line, direction] of this.directions) this.backend().setLineDirection(line, direction);
  }

  /** Subclasses call this when closing: the acquisition ends. */
  protected endAcquisition(): void {
    const acquisition = this.acquisition;
    if (acquisition === undefined) return;
    this.acquisition = undefined;
    try {
      this.backend().stopAnalogInput();
    } finally {
      acquisition.release();
    }
  }

  private async waitForSamples(acquisition: Acquisition, n: number, timeoutS: number): Promise<void> {
    const deadline = this.clock.now() + timeoutS;
    for (;;) {
      if (this.acquisition !== acquisition) throw new DaqError('cancelled', 'analog input was stopped while waiting for samples');
      const available = this.backend().analogInputAvailable();
      if (available >= n) return;
      const left = deadline - this.clock.now();
      if (left <= 0) {
        throw new DaqError('deadline_exceeded', `${n} samples per channel did not arrive within ${timeoutS} s (${available} did, at ${acquisition.timing.rateHz} Hz)`);
      }
      // Sleep until the missing samples are due (a little more, never past the deadline).
      const due = (n - available) / acquisition.timing.rateHz;
      await this.clock.sleep(Math.min(left, Math.max(due * 1.01, 0.0005)));
    }
  }

  private block(acquisition: Acquisition, n: number, data: Float64Array[]): AnalogBlock {
    const { timing, t0 } = acquisition;
    const firstSample = acquisition.next;
    acquisition.next += n;
    const timestampS = t0 + firstSample / timing.rateHz;
    const channels: Record<string, Reading> = {};
    timing.channels.forEach((name, i) => {
      channels[name] = { value: Array.from(data[i] ?? []), timestampS, units: 'V' };
    });
    return { firstSample, samples: n, rateHz: timing.rateHz, channels };
  }

  private resolve(timing: AnalogInputTiming): ResolvedTiming {
    const { rateHz, samplesPerChannel, channels, bufferSamplesPerChannel } = timing ?? ({} as AnalogInputTiming);
    requireInRange(this.name, 'sample rate', rateHz, this.layout.rateRange, 'Hz');
    const whole = (value: unknown, what: string): void => {
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) {
        throw new DaqError('invalid_argument', `${what} must be a whole number >= 1, got ${String(value)}`);
      }
    };
    whole(samplesPerChannel, 'samplesPerChannel');
    whole(bufferSamplesPerChannel, 'bufferSamplesPerChannel');
    const names = this.layout.analogInputs.map((c) => c.name);
    const chosen = channels === undefined ? names : [...channels];
    if (chosen.length === 0) throw new DaqError('invalid_argument', names.length === 0 ? 'the card has no analog input configured' : 'give at least one channel');
    for (const c of chosen) if (!names.includes(c)) throw new DaqError('not_found', `no analog input "${c}" (inputs: ${names.join(', ')})`);
    if (new Set(chosen).size !== chosen.length) throw new DaqError('invalid_argument', `a channel is given twice: ${chosen.join(', ')}`);
    return {
      rateHz,
      samplesPerChannel,
      channels: chosen,
      // One second of samples, at least 1000, unless told; a finite acquisition fits whole.
      bufferSamplesPerChannel: bufferSamplesPerChannel ?? Math.max(samplesPerChannel ?? 0, Math.ceil(rateHz), 1000),
    };
  }

  private requireNotAcquiring(what: string): void {
    if (this.acquisition !== undefined) throw new DaqError('failed_precondition', `cannot ${what} while analog input is running: stopAnalogInput() first`);
  }

  private outputChannel(channel: string): AnalogChannel {
    const found = this.layout.analogOutputs.find((c) => c.name === channel);
    if (found === undefined) throw new DaqError('not_found', `no analog output "${channel}" (outputs: ${this.layout.analogOutputs.map((c) => c.name).join(', ') || 'none'})`);
    return found;
  }

  private requireLine(line: string): void {
    if (!this.directions.has(line)) throw new DaqError('not_found', `no digital line "${line}" (lines: ${[...this.directions.keys()].join(', ') || 'none'})`);
  }

  private requireCounter(counter: string): void {
    if (!this.layout.counters.includes(counter)) throw new DaqError('not_found', `no counter "${counter}" (counters: ${this.layout.counters.join(', ') || 'none'})`);
  }
}
