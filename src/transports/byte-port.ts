/**
 * A byte stream to an instrument, whatever carries it (a serial port, a TCP socket). Drivers
 * never see `serialport` or `net`: they see a {@link LineChannel} over one of these.
 */
import type { Unsubscribe } from '../core/index.js';

/** An open connection that carries bytes both ways. */
export interface BytePort {
  /** What it is connected to, for messages: `/dev/ttyUSB0`, `tcp://10.0.0.5:5025`. */
  readonly description: string;
  /** Writes `data`; resolves once handed to the operating system. Rejects `unavailable` when closed. */
  write(data: Uint8Array): Promise<void>;
  /** Calls `listener` with every chunk received. */
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe;
  /**
   * Calls `listener` once when the port closes by itself (cable pulled, peer gone), with the
   * reason; not called after {@link BytePort.close}.
   */
  onClose(listener: (reason: Error) => void): Unsubscribe;
  /** Closes the port; never throws; safe to repeat. */
  close(): Promise<void>;
}

/** Serial line settings (8N1 at 9600 baud unless said otherwise). */
export interface SerialSettings {
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
  /** RTS/CTS hardware handshake (the ESP300 uses it). */
  rtscts?: boolean;
  /** XON/XOFF software flow control (the MaiTai uses it). */
  xonxoff?: boolean;
}
