/**
 * Ports are claimed when the lab config loads: two instruments on one port are refused with
 * the file, line and field, while the axes of one ESP300 and the mounts of one ELL14 bus share.
 */
import { describe, expect, it } from 'vitest';
import { DaqError, VirtualClock } from '../core/index.js';
import { Lab, parseLabConfig } from '../devices/index.js';
import { DRIVERS } from './index.js';

function load(source: string): Lab {
  return Lab.create(parseLabConfig(source, 'lab.toml', DRIVERS), DRIVERS, new VirtualClock());
}

function problems(source: string): string[] {
  try {
    load(source);
  } catch (error) {
    if (!(error instanceof DaqError)) throw error;
    return error.children.map((c) => `${c.location?.line ?? '?'}: ${c.message}`);
  }
  return [];
}

describe('resource claims', () => {
  it('lets the axes of one ESP300 and the mounts of one ELL14 bus share their ports', () => {
    const lab = load(`
[devices.x]
driver = "newport-esp300"
port = "/dev/ttyUSB0"
axis = 1
min = 0
max = 25
[devices.y]
driver = "newport-esp300"
port = "/dev/ttyUSB0"
axis = 2
min = 0
max = 25
[devices.polarizer]
driver = "thorlabs-ell14"
port = "/dev/ttyUSB1"
address = "0"
[devices.waveplate]
driver = "thorlabs-ell14"
port = "/dev/ttyUSB1"
address = "1"
`);
    expect(lab.devices().map((d) => d.name)).toEqual(['x', 'y', 'polarizer', 'waveplate']);
  });

  it('refuses two devices on one port, and two axes with one number, naming line and field', () => {
    expect(
      problems(`[devices.x]
driver = "newport-esp300"
port = "/dev/ttyUSB0"
axis = 1
min = 0
max = 25
[devices.x_again]
driver = "newport-esp300"
port = "/dev/ttyUSB0"
axis = 1
min = 0
max = 25
[devices.laser]
driver = "spectra-physics-maitai"
port = "/dev/ttyUSB0"
`),
    ).toEqual([
      '9: device "x_again", field "port": device "x" and this device are both at axis 1 on /dev/ttyUSB0',
      '15: device "laser", field "port": /dev/ttyUSB0 is already used by device "x"; a port serves one device (or the axes/mounts of one controller or bus)',
    ]);
  });

  it('knows two spellings of one TCP address are one port', () => {
    expect(
      problems(`[devices.supply]
driver = "scpi"
port = "tcp://10.0.0.5:5025/"
[devices.meter]
driver = "scpi"
port = "tcp://10.0.0.5:5025"
`),
    ).toEqual(['6: device "meter", field "port": tcp://10.0.0.5:5025 is already used by device "supply"; a port serves one device (or the axes/mounts of one controller or bus)']);
  });
});
