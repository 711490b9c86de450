/**
 * Wire simulator of the Newport ESP300 motion controller (three axes). What it speaks:
 *
 * - Commands end with CR (LF tolerated); several may share a line separated by `;`. Each is
 *   `[axis]MNEMONIC[parameter]` or `[axis]MNEMONIC?`; replies end with CR LF, and the replies
 *   of several queries on one line are joined by `,`.
 * - `VE?` identity; `nMO`/`nMF` motor on/off, `nMO?`; `nVA v`, `nVA?`; `nAC a`, `nAC?`;
 *   `nSL x`/`nSR x` software travel limits, `nSL?`/`nSR?`; `nPA x` absolute move, `nPR d`
 *   relative move; `nTP?` position; `nMD?` motion done (1 at rest, 0 moving); `nST` stop
 *   (decelerate); `nOR` home search (to 0); `TB?` oldest error as `code, timestamp, MESSAGE`.
 * - Errors go to the buffer, not the reply: general codes (6 COMMAND DOES NOT EXIST, 7
 *   PARAMETER OUT OF RANGE, 9 AXIS NUMBER OUT OF RANGE), axis codes as axis*100 + code
 *   (x06/x07 software limits, x13 MOTOR NOT ENABLED).
 */
import { SimAxis } from '../common/sim-axis.js';
import { LineSimulator, type Reply } from '../../transports/sim/index.js';

/** Options of {@link Esp300Simulator}. */
export interface Esp300SimulatorOptions {
  /** Number of axes (1-3). */
  axes?: number;
  /** Top speed at power-on, mm/s. */
  velocity?: number;
  /** Acceleration at power-on, mm/s^2. */
  acceleration?: number;
}

interface Axis {
  motion: SimAxis;
  motorOn: boolean;
  left: number;
  right: number;
}

const MESSAGES: Record<number, string> = {
  0: 'NO ERROR DETECTED',
  6: 'COMMAND DOES NOT EXIST',
  7: 'PARAMETER OUT OF RANGE',
  9: 'AXIS NUMBER OUT OF RANGE',
};

/** Axis errors, reported as axis * 100 + code. */
const AXIS_MESSAGES: Record<number, string> = {
  6: 'POSITIVE SOFTWARE LIMIT DETECTED',
  7: 'NEGATIVE SOFTWARE LIMIT DETECTED',
  13: 'MOTOR NOT ENABLED',
};

/** A simulated ESP300 with its axes at 0. */
export class Esp300Simulator extends LineSimulator {
  readonly instrument = 'ESP300';
  readonly axes: Axis[];
  private readonly errors: number[] = [];
  private readonly bootS = this.now();

  constructor(options: Esp300SimulatorOptions = {}) {
    super();
    this.axes = Array.from({ length: options.axes ?? 3 }, () => ({
      motion: new SimAxis(() => this.now(), 0, options.velocity ?? 100, options.acceleration ?? 2000),
      motorOn: false,
      left: -1e9,
      right: 1e9,
    }));
  }

  handle(line: string, reply: Reply): void {
    const answers: string[] = [];
    for (const command of line.split(';')) {
      const answer = this.execute(command.trim());
      if (answer !== undefined) answers.push(answer);
    }
    if (answers.length > 0) reply(answers.join(','));
  }

  private execute(command: string): string | undefined {
    const match = /^(\d*)([A-Za-z]{2})(\?|.*)$/.exec(command);
    if (command === '') return undefined;
    if (match === null) return this.error(6);
    const [, axisText = '', rawMnemonic = '', rest = ''] = match;
    const mnemonic = rawMnemonic.toUpperCase();
    const queried = rest === '?';
    if (mnemonic === 'VE' && queried) return 'ESP300 Version 3.08 09/09/02';
    if (mnemonic === 'TB' && queried) return this.takeError();
    const axisNumber = Number(axisText);
    const axis = this.axes[axisNumber - 1];
    if (axis === undefined) return this.error(axisText === '' ? 6 : 9);
    const value = Number(rest);
    if (!queried && rest !== '' && !Number.isFinite(value)) return this.error(7);
    const code = (n: number): undefined => this.error(axisNumber * 100 + n);
    switch (mnemonic) {
      case 'MO':
        if (queried) return axis.motorOn ? '1' : '0';
        axis.motorOn = true;
        return undefined;
      case 'MF':
        if (axis.motion.moving) axis.motion.stop();
        axis.motorOn = false;
        return undefined;
      case 'VA':
        if (queried) return fixed(axis.motion.velocity);
        if (!(value > 0)) return this.error(7);
        axis.motion.velocity = value;
        return undefined;
      case 'AC':
        if (queried) return fixed(axis.motion.acceleration);
        if (!(value > 0)) return this.error(7);
        axis.motion.acceleration = value;
        return undefined;
      case 'SL':
        if (queried) return fixed(axis.left);
        axis.left = value;
        return undefined;
      case 'SR':
        if (queried) return fixed(axis.right);
        axis.right = value;
        return undefined;
      case 'TP':
        return fixed(axis.motion.position);
      case 'MD':
        return axis.motion.moving ? '0' : '1';
      case 'ST':
        if (axis.motion.moving) axis.motion.stop();
        return undefined;
      case 'PA':
      case 'PR':
      case 'OR': {
        if (!axis.motorOn) return code(13);
        const target = mnemonic === 'PA' ? value : mnemonic === 'PR' ? axis.motion.target + value : 0;
        if (target > axis.right) return code(6);
        if (target < axis.left) return code(7);
        axis.motion.moveTo(target);
        return undefined;
      }
      default:
        return this.error(6);
    }
  }

  private error(code: number): undefined {
    this.errors.push(code);
    if (this.errors.length > 10) this.errors.shift();
    return undefined;
  }

  private takeError(): string {
    const code = this.errors.shift() ?? 0;
    const stamp = Math.round((this.now() - this.bootS) * 1000);
    return `${code}, ${stamp}, ${(code >= 100 ? AXIS_MESSAGES[code % 100] : MESSAGES[code]) ?? 'UNKNOWN ERROR'}`;
  }
}

function fixed(x: number): string {
  return x.toFixed(5);
}
