/** The `remote` driver without a cluster: its options are checked, and the lab says a cluster is needed. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/index.js';
import { Lab, parseLabConfig } from '../../devices/index.js';
import { DRIVERS } from '../index.js';

const lab = (table: string) => `[devices.remote_cam]\ndriver = "remote"\n${table}`;

describe('the remote driver on a daemon without a cluster', () => {
  it('is refused with a message saying to start the daemon with --cluster', () => {
    const config = parseLabConfig(lab('daemon = "camera-pc"\ndevice = "camera"\n'), 'lab.toml', DRIVERS);
    expect(() => Lab.create(config, DRIVERS, new VirtualClock())).toThrow(
      expect.objectContaining({
        children: [
          expect.objectContaining({
            message: 'device "remote_cam": driver "remote" (the device "camera" of daemon "camera-pc") needs a cluster: start the daemon with --cluster nats://HOST:PORT, or set [lab] cluster in the lab config',
            location: expect.objectContaining({ file: 'lab.toml', line: 1 }),
          }),
        ],
      }),
    );
  });

  it('checks its options: a daemon name that cannot be a subject token, a missing device', () => {
    expect(() => parseLabConfig(lab('daemon = "camera.pc"\n'), 'lab.toml', DRIVERS)).toThrow(
      expect.objectContaining({
        children: expect.arrayContaining([
          expect.objectContaining({ message: expect.stringMatching(/field "daemon": .*subject/) }),
          expect.objectContaining({ message: expect.stringMatching(/field "device": missing/) }),
        ]),
      }),
    );
  });
});
