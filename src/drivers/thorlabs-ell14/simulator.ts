/**
 * Wire simulator of a Thorlabs ELL14 rotation-mount bus (RS-485 multidrop, 9600 8N1): several
 * mounts, each at a hex address 0-F. What it speaks:
 *
 * - Commands are `<address><two lowercase letters>[data]` with no terminator (a stray CR or LF
 *   is skipped); the data length follows from the command (`ma`, `mr`: 8 hex digits; `ho`: 1).
 *   Replies are `<address><TWO UPPERCASE LETTERS>[data]` CR LF. A command for an address with
 *   no mount gets no reply.
 * - `in` identity: `IN` + type `0E` + serial (8) + year (4) + firmware (2) + hardware (2) +
 *   travel (4 hex, 0168 = 360 deg) + pulses per revolution (8 hex, 00023000 = 143360).
 * - `gp` position `PO` + 8 hex digits (two's complement pulses); `ma`/`mr` absolute/relative
 *   move in pulses, replying `PO` when the move ends; `ho0` home (to 0), also replying `PO`;
 *   `st` stop (decelerate; the move's `PO` follows); `gs` status `GS` + 2 hex digits (00 ok,
 *   09 busy moving); an unknown command gets `GS03` (command error).
 */
import { SimAxis } from '../common/sim-axis.js';
import { LineSimulator, type Reply } from '../../transports/sim/index.js';
import { hex, signed } from './hex.js';

/** Pulses per revolution reported by `in` (ELL14). */
export const ELL14_PULSES_PER_REV = 0x23000;

/** Options of {@link Ell14BusSimulator}. */
export interface Ell14BusSimulatorOptions {
  /** Addresses with a mount (hex digits); default `['0']`. */
  addresses?: string[];
  /** Top speed, deg/s (the real mount is slower; tests use a fast one). */
  velocityDegPerS?: number;
  /** Acceleration, deg/s^2. */
  accelerationDegPerS2?: number;
  /** Pulses per revolution the mounts report in `in` and move by (default {@link ELL14_PULSES_PER_REV}). */
  pulsesPerRev?: number;
}

interface Mount {
  address: string;
  axis: SimAxis;
  /** Replies `PO` when the move under way ends. */
  pending: ReturnType<typeof setTimeout> | undefined;
  reply: Reply | undefined;
}

const DATA_LENGTH: Record<string, number> = { ma: 8, mr: 8, ho: 1 };

/** A simulated ELL14 bus, every mount at 0 deg. */
export class Ell14BusSimulator extends LineSimulator {
  readonly instrument = 'ELL14 bus';
  readonly mounts = new Map<string, Mount>();
  private readonly pulsesPerRev: number;
  private readonly pulsesPerDeg: number;
  /** The last `ma` target received, in pulses, by address (for tests of the wire format). */
  readonly lastTargetPulses = new Map<string, number>();

  constructor(options: Ell14BusSimulatorOptions = {}) {
    super();
    this.pulsesPerRev = options.pulsesPerRev ?? ELL14_PULSES_PER_REV;
    this.pulsesPerDeg = this.pulsesPerRev / 360;
    for (const address of options.addresses ?? ['0']) {
      const axis = new SimAxis(() => this.now(), 0, options.velocityDegPerS ?? 2000, options.accelerationDegPerS2 ?? 40000);
      this.mounts.set(address.toUpperCase(), { address: address.toUpperCase(), axis, pending: undefined, reply: undefined });
    }
  }

  /** Position of the mount at `address`, deg. */
  positionDeg(address: string): number {
    return this.mounts.get(address.toUpperCase())?.axis.position ?? NaN;
  }

  override split(buffer: string): { commands: string[]; rest: string } {
    const commands: string[] = [];
    let rest = buffer.replace(/^[\r\n]+/, '');
    while (rest.length >= 3) {
      const code = rest.slice(1, 3);
      const length = 3 + (DATA_LENGTH[code] ?? 0);
      if (rest.length < length) break;
      commands.push(rest.slice(0, length));
      rest = rest.slice(length).replace(/^[\r\n]+/, '');
    }
    return { commands, rest };
  }

  handle(command: string, reply: Reply): void {
    const mount = this.mounts.get(command.charAt(0).toUpperCase());
    if (mount === undefined) return;
    const a = mount.address;
    const code = command.slice(1, 3);
    const data = command.slice(3);
    switch (code) {
      case 'in':
        return reply(`${a}IN0E11400284202115010168${hex(this.pulsesPerRev)}`);
      case 'gp':
        return reply(`${a}PO${hex(this.pulses(mount.axis.position))}`);
      case 'gs':
        return reply(`${a}GS${mount.axis.moving ? '09' : '00'}`);
      case 'ma':
      case 'mr': {
        if (!/^[0-9A-Fa-f]{8}$/.test(data)) return reply(`${a}GS03`);
        if (code === 'ma') this.lastTargetPulses.set(a, signed(data));
        const deg = signed(data) / this.pulsesPerDeg;
        return this.start(mount, code === 'ma' ? deg : mount.axis.target + deg, reply);
      }
      case 'ho':
        return this.start(mount, 0, reply);
      case 'st':
        mount.axis.stop();
        return this.schedule(mount, reply);
      default:
        return reply(`${a}GS03`);
    }
  }

  private start(mount: Mount, targetDeg: number, reply: Reply): void {
    mount.axis.moveTo(targetDeg);
    this.schedule(mount, reply);
  }

  /** Replies `PO` with the final position when the motion ends (replacing an earlier pending reply). */
  private schedule(mount: Mount, reply: Reply): void {
    if (mount.pending !== undefined) clearTimeout(mount.pending);
    mount.pending = setTimeout(() => {
      mount.pending = undefined;
      reply(`${mount.address}PO${hex(this.pulses(mount.axis.position))}`);
    }, mount.axis.remainingS * 1000);
    mount.pending.unref();
  }

  private pulses(deg: number): number {
    return Math.round(deg * this.pulsesPerDeg);
  }
}
