/** Port names: `tcp://` addresses and serial paths, and listing serial ports where udev is missing. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEndpoint } from './endpoint.js';
import { listDevNodes, listSerialPorts } from './list-ports.js';

describe('parseEndpoint', () => {
  it('reads tcp://HOST:PORT as TCP and anything else as a serial path', () => {
    expect(parseEndpoint('tcp://10.0.0.5:5025', { baudRate: 9600 })).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 5025 });
    expect(parseEndpoint('tcp://[::1]:5025', { baudRate: 9600 })).toEqual({ kind: 'tcp', host: '::1', port: 5025 });
    expect(parseEndpoint('/dev/ttyUSB0', { baudRate: 19200 })).toEqual({ kind: 'serial', path: '/dev/ttyUSB0', settings: { baudRate: 19200 } });
  });

  it('says how to write a TCP address when it is malformed', () => {
    expect(() => parseEndpoint('tcp://host', { baudRate: 9600 })).toThrow('"tcp://host" is not a TCP address: write tcp://HOST:PORT');
    expect(() => parseEndpoint('tcp://host:99999', { baudRate: 9600 })).toThrow('is not a TCP address');
  });
});

describe('listing serial ports', () => {
  it('falls back to the serial device nodes of /dev, in natural order, with /dev/serial/by-id', async () => {
    const dev = await mkdtemp(join(tmpdir(), 'daq-dev-'));
    try {
      for (const name of ['ttyUSB10', 'ttyUSB2', 'ttyACM0', 'tty0', 'null', 'ttyS0']) await writeFile(join(dev, name), '');
      await mkdir(join(dev, 'serial/by-id'), { recursive: true });
      await writeFile(join(dev, 'serial/by-id/usb-FTDI_FT232R-if00-port0'), '');
      const ports = await listDevNodes(dev);
      expect(ports.map((p) => p.path.slice(dev.length))).toEqual(['/ttyACM0', '/ttyS0', '/ttyUSB2', '/ttyUSB10', '/serial/by-id/usb-FTDI_FT232R-if00-port0']);
      expect(new Set(ports.map((p) => p.source))).toEqual(new Set(['dev']));
    } finally {
      await rm(dev, { recursive: true, force: true });
    }
  });

  it('never throws, with or without udev', async () => {
    await expect(listSerialPorts()).resolves.toBeInstanceOf(Array);
  });
});
