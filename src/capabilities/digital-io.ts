import { defineCapability } from './define.js';

/** Which way a digital line works. */
export type LineDirection = 'input' | 'output';

/** One digital line of a card (`port0/line3`). */
export interface DigitalLine {
  /** The line's name as the lab config gives it. */
  name: string;
  /** Whether the card reads or drives it now. */
  direction: LineDirection;
}

/**
 * Digital lines of a data-acquisition card, each an input or an output. `readLine` reads the
 * level of any line (an output reads back what it drives); `writeLine` drives an output line and
 * is refused on an input (`failed_precondition`); an unknown line is refused with `not_found`.
 * A line made an output starts low.
 */
export interface DigitalIO {
  /** The lines and their directions. */
  digitalLines(): DigitalLine[];
  /** Makes `line` an input or an output. */
  setLineDirection(line: string, direction: LineDirection): Promise<void>;
  /** The level of `line`: true high, false low. */
  readLine(line: string): Promise<boolean>;
  /** Drives output `line` high (true) or low (false). */
  writeLine(line: string, value: boolean): Promise<void>;
}

export const digitalIO = defineCapability<DigitalIO>()(
  'DigitalIO',
  'digital lines as inputs or outputs (readLine, writeLine, setLineDirection)',
  ['digitalLines', 'setLineDirection', 'readLine', 'writeLine'],
);
