/**
 * Serial ports through `serialport` and its prebuilt native binding (no compiler needed).
 * A pulled USB cable or a vanished PTY shows up as a close event with the reason.
 */
import { stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { DaqError, Emitter } from '../core/index.js';
import type { BytePort, SerialSettings } from './byte-port.js';

/** Opens serial port `path` with `settings`; rejects `unavailable` naming the port when it cannot. */
export async function openSerialPort(path: string, settings: SerialSettings, signal?: AbortSignal): Promise<BytePort> {
  signal?.throwIfAborted();
  const port = new SerialPort({
    path,
    baudRate: settings.baudRate,
    dataBits: settings.dataBits ?? 8,
    parity: settings.parity ?? 'none',
    stopBits: settings.stopBits ?? 1,
    rtscts: settings.rtscts ?? false,
    xon: settings.xonxoff ?? false,
    xoff: settings.xonxoff ?? false,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => {
      if (error === null || error === undefined) resolve();
      else reject(new DaqError('unavailable', `cannot open serial port ${path}: ${error.message}`, { cause: error }));
    });
  });
  if (signal?.aborted) {
    await closeQuietly(port);
    signal.throwIfAborted();
  }
  const device = await stat(path).then((s) => s.rdev, () => undefined);
  return wrapSerialPort(port, path, device);
}

/** How often an open port's device node is checked, s: a pulled USB adapter or PTY shows as a vanished node. */
const WATCH_INTERVAL_S = 0.5;

function wrapSerialPort(port: SerialPort, path: string, device: number | undefined): BytePort {
  const data = new Emitter<Uint8Array>();
  const closed = new Emitter<Error>();
  let closing = false;
  let lastError: Error | undefined;
  port.on('data', (chunk: Buffer) => data.emit(chunk));
  port.on('error', (error: Error) => {
    lastError = error;
  });
  const lose = (why: string): void => {
    if (closing) return;
    closing = true;
    clearInterval(watch);
    closed.emit(new DaqError('unavailable', `serial port ${path} was lost (${why})`));
    void closeQuietly(port);
  };
  port.on('close', (error: Error | null) => lose(error?.message ?? lastError?.message ?? 'closed by the other side'));
  // An idle port whose cable is pulled may report nothing until the next write: watch its node.
  const watch = setInterval(() => {
    if (device === undefined) return;
    stat(path).then(
      (s) => {
        if (s.rdev !== device) lose('the device node now belongs to another device');
      },
      () => lose('the device node is gone'),
    );
  }, WATCH_INTERVAL_S * 1000);
  watch.unref();
  return {
    description: path,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (closing || !port.isOpen) {
          reject(new DaqError('unavailable', `serial port ${path} is closed`));
          return;
        }
        port.write(Buffer.from(bytes), (error) => {
          if (error === null || error === undefined) return resolve();
          // A write that fails (EIO) means the port is gone: report it lost, as a close would.
          const lost = new DaqError('unavailable', `serial port ${path} was lost (writing failed: ${error.message})`, { cause: error });
          reject(lost);
          lose(`writing failed: ${error.message}`);
        });
      }),
    onData: (listener) => data.on(listener),
    onClose: (listener) => closed.on(listener),
    close: async () => {
      clearInterval(watch);
      if (closing) return;
      closing = true;
      await closeQuietly(port);
    },
  };
}

function closeQuietly(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}
