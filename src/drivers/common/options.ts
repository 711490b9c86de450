/** Lab-config options every instrument driver shares: where the instrument is, and how long to wait for it. */
import { z } from 'zod';

/** `port`: a serial device path or `tcp://host:port`. */
export const portOption = z
  .string()
  .min(1)
  .describe('serial port (/dev/ttyUSB0, /dev/serial/by-id/...) or tcp://HOST:PORT (a serial server, a simulator)');

/** `timeout`: how long to wait for a reply, s; `defaultS` is the instrument's usual worst case with margin. */
export function timeoutOption(defaultS = 1) {
  return z.number().positive().max(60).default(defaultS).describe('reply timeout (s)');
}

/** Parses a number from an instrument reply, or throws naming the command and the reply. */
export function parseNumber(reply: string, command: string): number {
  const value = Number.parseFloat(reply.trim());
  if (!Number.isFinite(value) || !/^[\s+-]*[\d.]/.test(reply)) {
    throw new Error(`unexpected reply ${JSON.stringify(reply)} to "${command}" (expected a number)`);
  }
  return value;
}
