import { describe, expect, it } from 'vitest';
import { DaqError, formatErrorTree, VirtualClock } from '../core/index.js';
import type { DeviceStateChange } from './device.js';
import { FAKE_DRIVERS, type FakeDevice } from './fake-driver.fixture.js';
import { Lab } from './lab.js';
import { parseLabConfig } from './lab-config.js';

function labOf(source: string, clock = new VirtualClock()): Lab {
  return Lab.create(parseLabConfig(source, 'lab.toml', FAKE_DRIVERS), FAKE_DRIVERS, clock);
}

const MIXED = `
[lab]
connect_timeout = 5
[devices.good]
driver = "fake"
connect_time = 1
[devices.broken]
driver = "fake"
behaviour = "fail"
[devices.stuck]
driver = "fake"
behaviour = "hang"
[devices.slow]
driver = "fake"
connect_time = 4
`;

describe('lab', () => {
  it('connects all devices in parallel: total time is the slowest, not the sum', async () => {
    const clock = new VirtualClock();
    const lab = labOf('[devices.a]\ndriver = "fake"\nconnect_time = 3\n[devices.b]\ndriver = "fake"\nconnect_time = 2\n', clock);
    const t0 = clock.now();
    const report = await lab.connect();
    expect(clock.now() - t0).toBeCloseTo(3, 6);
    expect(report.connected).toEqual(['a', 'b']);
    expect(report.failures).toBeUndefined();
    expect(lab.summary().map((d) => d.state)).toEqual(['idle', 'idle']);
  });

  it('comes up with the healthy devices and reports each failure (device -> cause) in one tree', async () => {
    const lab = labOf(MIXED);
    const report = await lab.connect();
    expect(report.connected).toEqual(['good', 'slow']);
    expect(report.failures?.message).toBe('2 of 4 devices failed to connect:');
    const tree = formatErrorTree(report.failures);
    expect(tree).toContain('  broken: failed to connect: serial port /dev/ttyFAKE not found');
    expect(tree).toContain('  stuck: timed out after 5 s connecting');
    const summary = Object.fromEntries(lab.summary().map((d) => [d.name, d]));
    expect(summary['good']?.state).toBe('idle');
    expect(summary['broken']).toMatchObject({ state: 'faulted', fault: expect.stringContaining('/dev/ttyFAKE') });
    expect(summary['stuck']).toMatchObject({ state: 'faulted', fault: expect.stringContaining('timed out') });
  });

  it('tries a device that failed to connect again (0.5 s, doubling) and applies its settings once it connects', async () => {
    const clock = new VirtualClock();
    const lab = labOf('[devices.late]\ndriver = "fake"\nconnect_time = 0.1\nfail_connects = 2\nsettings = { gain = 7 }\n', clock);
    const report = await lab.connect();
    expect(report.failures?.message).toBe('1 of 1 devices failed to connect:');
    expect(lab.summary()[0]).toEqual({
      name: 'late', driver: 'fake', state: 'faulted', capabilities: expect.any(Array),
      fault: 'late: failed to connect: serial port /dev/ttyFAKE not found; trying again in 0.5 s (failed attempts: 1)',
      retry: { failedAttempts: 1, delayS: 0.5 },
    });
    // Auto-advancing virtual time: the attempts run at once; their start times tell the delays.
    const attempts: number[] = [];
    const t0 = clock.now() - 0.1;
    lab.onStateChange((change) => {
      if (change.to === 'connecting') attempts.push(Number((clock.now() - t0).toFixed(6)));
    });
    await expect.poll(() => lab.summary()[0]?.state).toBe('idle');
    // Attempt 2 starts 0.5 s after attempt 1 failed (at 0.1 s), attempt 3 1 s after attempt 2 failed.
    expect(attempts).toEqual([0.6, 1.7]);
    await clock.advance(60);
    expect(clock.pending).toBe(0);
    await lab.disconnect();
  });

  it('does not try again a device that connected but refused a setting of the config: that is the config\'s mistake', async () => {
    const clock = new VirtualClock();
    // The setting is refused by the device (a camera's binning larger than its region, here a gain the device caps at run time).
    const lab = labOf('[devices.capped]\ndriver = "fake"\nmax_gain = 5\nsettings = { gain = 7 }\n', clock);
    const report = await lab.connect();
    expect(report.failures?.children[0]?.message).toBe("capped: the lab config's setting gain = 7 was refused: gain 7 is above this unit's 5");
    expect(clock.pending).toBe(0);
    await clock.advance(60);
    expect(lab.summary()[0]).toMatchObject({ state: 'faulted' });
    expect(lab.summary()[0]).not.toHaveProperty('retry');
    await lab.disconnect();
  });

  it('stops trying a failed device again when the lab disconnects, or when asked not to', async () => {
    const clock = new VirtualClock();
    const lab = labOf('[devices.broken]\ndriver = "fake"\nbehaviour = "fail"\n', clock);
    await lab.connect();
    expect(clock.pending).toBe(1);
    await lab.disconnect();
    expect(clock.pending).toBe(0);
    await clock.advance(30);
    expect(lab.device('broken').state).toBe('disconnected');
    await lab.connect({ retry: false });
    expect(clock.pending).toBe(0);
    expect(lab.summary()[0]).not.toHaveProperty('retry');
  });

  it('a faulted device refuses commands, saying why', async () => {
    const lab = labOf(MIXED);
    await lab.connect();
    const broken = lab.device('broken') as FakeDevice;
    await expect(broken.read()).rejects.toThrow('broken: cannot read, it is faulted: broken: failed to connect: serial port /dev/ttyFAKE not found');
    await expect((lab.device('good') as FakeDevice).read()).resolves.toMatchObject({ value: 1, units: 'V' });
  });

  it('emits each state change: connecting, idle, busy, idle, disconnected', async () => {
    const lab = labOf('[devices.a]\ndriver = "fake"\n');
    const seen: DeviceStateChange[] = [];
    lab.onStateChange((change) => seen.push(change));
    await lab.connect();
    await (lab.device('a') as FakeDevice).read();
    await lab.disconnect();
    expect(seen.map((c) => c.to)).toEqual(['connecting', 'idle', 'busy', 'idle', 'disconnected']);
  });

  it('applies settings from the config after connecting', async () => {
    const lab = labOf('[devices.a]\ndriver = "fake"\nsettings = { gain = 7 }\n');
    await lab.connect();
    await expect((lab.device('a') as FakeDevice).getParameter('gain')).resolves.toBe(7);
  });

  it('names the closest device when asked for one that does not exist', () => {
    const lab = labOf('[devices.stage]\ndriver = "fake"\n');
    expect(() => lab.device('stgae')).toThrow(new DaqError('not_found', 'no device "stgae"; did you mean "stage"? (devices: stage)'));
  });

  it('disconnects every device, even faulted ones, without throwing', async () => {
    const lab = labOf(MIXED);
    await lab.connect();
    await lab.disconnect();
    expect(lab.devices().map((d) => d.state)).toEqual(['disconnected', 'disconnected', 'disconnected', 'disconnected']);
  });
});
