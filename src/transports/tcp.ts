/** TCP sockets as {@link BytePort}s: SCPI instruments on port 5025, serial servers, simulators. */
import { connect, type Socket } from 'node:net';
import { DaqError, Emitter } from '../core/index.js';
import type { BytePort } from './byte-port.js';

/** Connects to `host:port`; rejects `unavailable` naming the address when it cannot. */
export async function openTcpPort(host: string, port: number, signal?: AbortSignal): Promise<BytePort> {
  signal?.throwIfAborted();
  const description = `tcp://${host}:${port}`;
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host, port, noDelay: true });
    const onAbort = (): void => {
      s.destroy();
      reject(DaqError.from(signal?.reason, { code: 'cancelled' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(s);
    });
    s.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new DaqError('unavailable', `cannot connect to ${description}: ${error.message}`, { cause: error }));
    });
  });
  const data = new Emitter<Uint8Array>();
  const closed = new Emitter<Error>();
  let closing = false;
  let lastError: Error | undefined;
  socket.on('data', (chunk) => data.emit(chunk));
  socket.on('error', (error) => {
    lastError = error;
  });
  socket.on('close', () => {
    if (closing) return;
    closing = true;
    closed.emit(new DaqError('unavailable', `${description} was lost (${lastError?.message ?? 'closed by the other side'})`));
  });
  return {
    description,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (closing) return reject(new DaqError('unavailable', `${description} is closed`));
        socket.write(bytes, (error) => {
          if (error === null || error === undefined) resolve();
          else reject(new DaqError('unavailable', `writing to ${description} failed: ${error.message}`, { cause: error }));
        });
      }),
    onData: (listener) => data.on(listener),
    onClose: (listener) => closed.on(listener),
    close: async () => {
      if (closing) return;
      closing = true;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 100).unref();
      });
    },
  };
}
