/**
 * `newport-esp300`: one axis of a Newport ESP300 motion controller. Each axis is its own device
 * (`stage_x`, `stage_y`), and the axes of one controller share its serial port through a shared
 * link. Moves are `nPA` (absolute); completion is polled with `nMD?`. Every command is followed
 * on the same line by `TB?`, so a refused command (a limit, a motor off) fails at once with the
 * controller's own message. The Movable contract itself is in `../common/polled-axis.ts`.
 */
import type { Parameterized, ParameterInfo, ParameterValue } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { createParameterSet, type ParameterSet } from '../../devices/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { PolledAxis } from '../common/polled-axis.js';
import type { Esp300Options } from './options.js';

/** One ESP300 axis. Implements Movable (and so Stoppable) and Parameterized (velocity, acceleration). */
export class Esp300Axis extends PolledAxis implements Parameterized {
  readonly driver = 'newport-esp300';
  private readonly options: Esp300Options;
  private readonly settings: ParameterSet;

  constructor(name: string, options: Esp300Options, clock: Clock) {
    super(
      name,
      clock,
      parseEndpoint(options.port, { baudRate: options.baud, rtscts: options.handshake }),
      { protocol: 'newport-esp300', framing: { writeTerminator: '\r', timeoutS: options.timeout } },
      { units: options.units, limits: { min: options.min, max: options.max }, pollS: options.poll_interval },
    );
    this.options = options;
    const u = options.units;
    const axis = options.axis;
    this.settings = createParameterSet(name, [
      {
        name: 'velocity', type: 'number', units: `${u}/s`, min: 0.001, max: options.max_velocity,
        description: `top speed of moves (${u}/s), the controller's nVA; applies from the next move`,
        get: () => this.queryNumber(`${axis}VA?`),
        set: (value) => this.checked(`${axis}VA${Number(value)}`),
      },
      {
        name: 'acceleration', type: 'number', units: `${u}/s^2`, min: 0.001, max: options.max_acceleration,
        description: `acceleration of moves (${u}/s^2), the controller's nAC; applies from the next move`,
        get: () => this.queryNumber(`${axis}AC?`),
        set: (value) => this.checked(`${axis}AC${Number(value)}`),
      },
    ]);
  }

  parameters(): readonly ParameterInfo[] {
    return this.settings.parameters();
  }

  getParameter(name: string): Promise<ParameterValue> {
    return this.query(`read setting "${name}"`, () => this.settings.getParameter(name));
  }

  setParameter(name: string, value: ParameterValue): Promise<void> {
    return this.operation(`set "${name}"`, () => this.settings.setParameter(name, value));
  }

  protected async setUp(signal: AbortSignal): Promise<void> {
    const identity = await this.link.query('VE?', { signal, retries: 1 });
    if (!identity.includes('ESP300')) {
      throw new DaqError('failed_precondition', `the instrument on ${this.link.description} is not an ESP300: "VE?" replied ${JSON.stringify(identity)}`);
    }
    const { axis, velocity, acceleration, min, max } = this.options;
    await this.checked(`${axis}MO;${axis}VA${velocity};${axis}AC${acceleration};${axis}SL${min};${axis}SR${max}`);
    // Settings changed at run time (or from the config's `settings`) win over the options.
    await this.settings.restore();
    if (this.options.home_on_connect) {
      await this.checked(`${axis}OR`);
      await this.pollUntilDone();
    }
  }

  protected startMove(target: number): Promise<void> {
    return this.checked(`${this.options.axis}PA${target}`);
  }

  protected startStop(): Promise<void> {
    return this.checked(`${this.options.axis}ST`);
  }

  protected async readPosition(): Promise<number> {
    const command = `${this.options.axis}TP?`;
    return this.queryNumber(command);
  }

  protected async readMoving(): Promise<boolean> {
    const command = `${this.options.axis}MD?`;
    const reply = (await this.link.query(command, { retries: 1 })).trim();
    if (reply !== '0' && reply !== '1') {
      throw new DaqError('internal', `${this.name}: unexpected reply ${JSON.stringify(reply)} to "${command}" (expected 0 or 1)`);
    }
    return reply === '0';
  }

  /** Sends `command` with `TB?` on the same line; throws the controller's error if it reports one. */
  private async checked(command: string): Promise<void> {
    const reply = await this.link.query(`${command};TB?`);
    const match = /^\s*(\d+)\s*,\s*\d+\s*,\s*(.*)$/.exec(reply);
    if (match === null) throw new DaqError('internal', `${this.name}: unexpected reply ${JSON.stringify(reply)} to "TB?" after "${command}"`);
    const code = Number(match[1]);
    if (code === 0) return;
    const message = `${this.name}: the ESP300 refused "${command}": error ${code} ${match[2]}`;
    const kind = code >= 100 && (code % 100 === 6 || code % 100 === 7) ? 'out_of_range' : 'failed_precondition';
    throw new DaqError(kind, message, { device: this.name });
  }
}
