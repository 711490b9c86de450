/**
 * Where an instrument is: a serial port path (`/dev/ttyUSB0`) or a TCP address
 * (`tcp://10.0.0.5:5025`), as written in the lab config's `port` field.
 */
import { DaqError } from '../core/index.js';
import type { BytePort, SerialSettings } from './byte-port.js';
import { openSerialPort } from './serial.js';
import { openTcpPort } from './tcp.js';

/** A parsed `port`: serial with its line settings, or TCP. */
export type Endpoint =
  | { kind: 'serial'; path: string; settings: SerialSettings }
  | { kind: 'tcp'; host: string; port: number };

/**
 * Parses a `port` field: `tcp://host:port` is TCP, anything else a serial device path that
 * uses `serial` settings. Throws `invalid_argument` for a malformed TCP address.
 */
export function parseEndpoint(text: string, serial: SerialSettings): Endpoint {
  if (!text.startsWith('tcp://')) return { kind: 'serial', path: text, settings: serial };
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(text);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port > 0 && port < 65536)) {
    throw new DaqError('invalid_argument', `"${text}" is not a TCP address: write tcp://HOST:PORT, as tcp://192.168.1.20:5025`);
  }
  return { kind: 'tcp', host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

/** The endpoint as users write it; also the key of shared links. */
export function describeEndpoint(endpoint: Endpoint): string {
  return endpoint.kind === 'tcp' ? `tcp://${endpoint.host}:${endpoint.port}` : endpoint.path;
}

/** Opens the port of `endpoint`. */
export function openEndpoint(endpoint: Endpoint, signal?: AbortSignal): Promise<BytePort> {
  return endpoint.kind === 'tcp'
    ? openTcpPort(endpoint.host, endpoint.port, signal)
    : openSerialPort(endpoint.path, endpoint.settings, signal);
}
