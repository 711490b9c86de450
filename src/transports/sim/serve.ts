/**
 * Serves a simulator where a driver can reach it: on a PTY (a serial port to the driver) or on a
 * TCP port. The PTY server can pull the cable and put it back, for the fault tests and demos.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { BytePort } from '../byte-port.js';
import { openSerialPort } from '../serial.js';
import type { LineSimulator } from './line-simulator.js';
import { createPtyPair, type PtyPair } from './pty-pair.js';

/** A simulator served on a PTY. */
export interface PtySimulatorServer {
  /** The serial port path to give the driver (`port = "..."` in a lab config). */
  readonly path: string;
  /** Pulls the cable: the PTY vanishes under the driver. */
  unplug(): Promise<void>;
  /** Puts the cable back: the PTY comes back at the same path. */
  plug(): Promise<void>;
  /** Stops serving. */
  close(): Promise<void>;
}

/** Serves `simulator` on a PTY whose driver end is at `path` (a symlink; its folder must exist). */
export async function servePty(simulator: LineSimulator, path: string): Promise<PtySimulatorServer> {
  let pair: PtyPair | undefined;
  let port: BytePort | undefined;
  let detach: (() => void) | undefined;
  const plug = async (): Promise<void> => {
    if (pair !== undefined) return;
    pair = await createPtyPair(path, `${path}.sim`);
    port = await openSerialPort(pair.simulatorPath, { baudRate: 115200 });
    detach = simulator.attach(port);
  };
  const unplug = async (): Promise<void> => {
    detach?.();
    const [p, q] = [port, pair];
    port = undefined;
    pair = undefined;
    await q?.close();
    await p?.close();
  };
  await plug();
  return { path, plug, unplug, close: unplug };
}

/** A simulator served on TCP. */
export interface TcpSimulatorServer {
  /** `tcp://127.0.0.1:PORT`, to give the driver. */
  readonly address: string;
  readonly port: number;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** Serves `simulator` on TCP at `host:port` (port 0: any free one); one session per connection. */
export async function serveTcp(simulator: LineSimulator, port = 0, host = '127.0.0.1'): Promise<TcpSimulatorServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    const detach = simulator.attach(socketPort(socket));
    socket.on('close', () => {
      detach();
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    address: `tcp://${host}:${bound}`,
    port: bound,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function socketPort(socket: Socket): BytePort {
  return {
    description: 'simulator socket',
    write: (bytes) => new Promise((resolve) => socket.write(bytes, () => resolve())),
    onData: (listener) => {
      socket.on('data', listener);
      return () => socket.off('data', listener);
    },
    onClose: (listener) => {
      const handler = (): void => listener(new Error('closed'));
      socket.on('close', handler);
      return () => socket.off('close', handler);
    },
    close: async () => {
      socket.destroy();
    },
  };
}
