/** Lab-config options every instrument driver shares: where the instrument is, and how long to wait for it. */
import { z } from 'zod';
import type { ResourceClaim } from '../../devices/index.js';
import { describeEndpoint, parseEndpoint } from '../../transports/index.js';

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

/**
 * The claim a device makes on its `port`, keyed the way shared links key ports, so that two
 * spellings of one address (`tcp://h:5025/` and `tcp://h:5025`) clash when the config loads, not at
 * connect. `shared`: devices of one protocol group may share the port at different addresses.
 */
export function portClaim(port: string, shared?: { group: string; address: string }): ResourceClaim {
  let resource = port;
  try {
    resource = describeEndpoint(parseEndpoint(port, { baudRate: 9600 })); // serial settings play no part in the key
  } catch {
    // a malformed TCP address: reported when the device connects
  }
  return { field: 'port', resource, ...(shared === undefined ? {} : { share: shared.group, address: shared.address }) };
}
