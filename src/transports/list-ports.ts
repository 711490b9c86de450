/**
 * Lists the serial ports of this computer for `daq ports`. `serialport` asks udev for USB
 * details (vendor, serial number); where udev is missing (containers, minimal images) that
 * fails, and the list falls back to the device nodes in /dev, without details.
 */
import { readdir } from 'node:fs/promises';
import { SerialPort } from 'serialport';

/** A serial port found on this computer. */
export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** Where the list came from: `udev` (with USB details) or `dev` (names in /dev only). */
  source: 'udev' | 'dev';
}

/** Device-node names of serial ports in /dev. */
const SERIAL_NODE = /^tty(USB|ACM|S|AMA|XRUSB|mxc)\d+$/;

/** The serial ports; never throws (an empty list when nothing can be found). */
export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  try {
    const ports = await SerialPort.list();
    return ports.map((p) => ({
      path: p.path,
      source: 'udev' as const,
      ...(p.manufacturer === undefined ? {} : { manufacturer: p.manufacturer }),
      ...(p.serialNumber === undefined ? {} : { serialNumber: p.serialNumber }),
      ...(p.vendorId === undefined ? {} : { vendorId: p.vendorId }),
      ...(p.productId === undefined ? {} : { productId: p.productId }),
    }));
  } catch {
    return listDevNodes();
  }
}

/** Serial device nodes in `dir` (default /dev), and the stable names in /dev/serial/by-id. */
export async function listDevNodes(dir = '/dev'): Promise<SerialPortInfo[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found = names.filter((n) => SERIAL_NODE.test(n)).sort(naturally).map((n) => `${dir}/${n}`);
  const byId = await readdir(`${dir}/serial/by-id`).catch(() => [] as string[]);
  found.push(...byId.sort().map((n) => `${dir}/serial/by-id/${n}`));
  return found.map((path) => ({ path, source: 'dev' as const }));
}

function naturally(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
