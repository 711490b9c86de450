import { describe, expect, it } from 'vitest';
import { DaqError, formatErrorTree, VirtualClock } from '../core/index.js';
import { FAKE_DRIVERS } from './fake-driver.fixture.js';
import { Lab } from './lab.js';
import { checkLabConfig, parseLabConfig } from './lab-config.js';
import { parseLocatedToml } from './toml-locations.js';

function problemsOf(source: string): DaqError[] {
  try {
    const { config, problems } = checkLabConfig(source, 'lab.toml', FAKE_DRIVERS);
    Lab.create(config, FAKE_DRIVERS, new VirtualClock(), problems);
  } catch (error) {
    expect(error).toBeInstanceOf(DaqError);
    return [...(error as DaqError).children];
  }
  throw new Error('expected the config to be rejected');
}

function locationOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as DaqError).location;
  }
  return undefined;
}

describe('lab config', () => {
  it('reads devices with their driver, options (defaults filled in) and settings', () => {
    const config = parseLabConfig(
      `[lab]\nname = "Rig"\n[devices.a]\ndriver = "fake"\ngain = 2\nsettings = { gain = 3 }\n[devices.b]\ndriver = "fake"\n`,
      'lab.toml',
      FAKE_DRIVERS,
    );
    expect(config.name).toBe('Rig');
    expect(config.connectTimeoutS).toBe(10);
    expect(config.devices.map((d) => [d.name, d.driver])).toEqual([['a', 'fake'], ['b', 'fake']]);
    expect(config.devices[0]?.options).toMatchObject({ gain: 2, behaviour: 'ok' });
    expect(config.devices[0]?.settings).toEqual({ gain: 3 });
    expect(config.devices[1]?.location).toEqual({ file: 'lab.toml', line: 7, column: 1 });
  });

  it('reads the cluster settings of [lab], and refuses names that are not one subject token, with their line', () => {
    const config = parseLabConfig('[lab]\ncluster = "nats://nats-host:4222"\ndaemon = "rig-1"\nid = "optics"\n[devices.a]\ndriver = "fake"\n', 'lab.toml', FAKE_DRIVERS);
    expect(config.cluster).toEqual({ url: 'nats://nats-host:4222', daemon: 'rig-1', id: 'optics' });
    expect(parseLabConfig('[devices.a]\ndriver = "fake"\n', 'lab.toml', FAKE_DRIVERS).cluster).toEqual({});
    const messages = problemsOf('[lab]\ncluster = "http://x"\ndaemon = "rig 1"\nid = "op.tics"\n[devices.a]\ndriver = "fake"\n').map((p) => `${p.location?.line}: ${p.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^2: lab, field "cluster": expected nats:\/\/HOST:PORT/),
      expect.stringMatching(/^3: lab, field "daemon": contains a space/),
      expect.stringMatching(/^4: lab, field "id": contains "\."/),
    ]);
  });

  it('reports every problem at once, each with line, device and field, sorted by line', () => {
    const problems = problemsOf(
      [
        '[devices.stage]', //           1
        'driver = "fake"', //           2
        'gain = "high"', //             3  wrong type
        'gian = 2', //                  4  unknown field
        '[devices.cam]', //             5
        'driver = "fkae"', //           6  unknown driver
        '[devices.meter]', //           7
        'driver = "fake-follower"', //  8
        'source = "stagee"', //         9  unknown device
      ].join('\n'),
    );
    expect(problems.map((p) => p.location?.line)).toEqual([3, 4, 6, 9]);
    const [type, field, driver, ref] = problems.map((p) => p.message);
    expect(type).toBe('device "stage", field "gain": expected number, got string "high"');
    expect(driver).toContain('unknown driver "fkae"; did you mean "fake"?');
    expect(driver).toContain('known drivers: fake, fake-follower');
    expect(ref).toBe('device "meter", field "source": no device "stagee"; did you mean "stage"? (devices: stage, cam, meter)');
    expect(field).toContain('device "stage": unknown field "gian"; did you mean "gain"?');
  });

  it('formats the problems as file:line:column lines under one heading', () => {
    try {
      parseLabConfig('[devices.a]\ndriver = "fake"\ngain = "x"\n', 'rig.toml', FAKE_DRIVERS);
      expect.unreachable();
    } catch (error) {
      expect(formatErrorTree(error)).toBe(
        'lab config rig.toml has 1 problem:\n  rig.toml:3:1: device "a", field "gain": expected number, got string "x"',
      );
    }
  });

  it('gives the line and column of a TOML syntax error', () => {
    try {
      parseLabConfig('[devices.a]\ndriver = "fake\n', 'lab.toml', FAKE_DRIVERS);
      expect.unreachable();
    } catch (error) {
      expect((error as DaqError).location).toMatchObject({ file: 'lab.toml', line: 2 });
      expect((error as DaqError).message).toMatch(/TOML syntax error/);
    }
  });

  it('rejects a device with no driver, names that scripts cannot use, and unknown sections', () => {
    const problems = problemsOf('[labb]\nname = "x"\n[devices.sleep]\ndriver = "fake"\n[devices.x]\ngain = 1\n');
    const messages = problems.map((p) => p.message).join('\n');
    expect(messages).toContain('unknown section "labb"; did you mean "lab"?');
    expect(messages).toContain('device "sleep": "sleep" is already a name in scripts');
    expect(messages).toContain('device "x": missing field "driver"');
  });

  it('refuses names every object inherits, JavaScript globals and keywords, with the reason', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__plans', 'Math', 'undefined', 'class']) {
      const messages = problemsOf(`[devices."${name}"]\ndriver = "fake"\n`).map((p) => p.message);
      expect(messages.join('\n'), name).toMatch(new RegExp(`device "${name}": (".*" is|names starting with __)`));
    }
    const long = 'd'.repeat(5000);
    const messages = problemsOf(`[devices.${long}]\ndriver = "fake"\n`).map((p) => p.message);
    expect(messages[0]).toMatch(/device "d{40}\.\.\.": the name is 5000 characters long; at most 64/);
    expect(messages.join('\n').length).toBeLessThan(500);
  });

  it('refuses a "__proto__" key anywhere (it would change every object of the process), with its line', () => {
    for (const source of ['[devices."__proto__"]\ndriver = "fake"\n', '[devices.a]\ndriver = "fake"\nsettings = { "__proto__" = { gain = 1 } }\n']) {
      expect(() => parseLabConfig(source, 'lab.toml', FAKE_DRIVERS)).toThrow(/the key "__proto__" is not allowed/);
      expect(({} as Record<string, unknown>)['driver']).toBeUndefined();
      expect(({} as Record<string, unknown>)['gain']).toBeUndefined();
    }
    expect(locationOf(() => parseLabConfig('[devices.a]\ndriver = "fake"\n[devices.__proto__]\n', 'lab.toml', FAKE_DRIVERS))).toMatchObject({ line: 3 });
  });

  it('says where a value nested too deep or a string too long starts (the parser would overflow its stack)', () => {
    const deep = `[lab]\nname = "x"\n[devices.a]\ndriver = "fake"\nx = ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    expect(() => parseLabConfig(deep, 'lab.toml', FAKE_DRIVERS)).toThrow(/^values nested more than 64 deep/);
    expect(locationOf(() => parseLabConfig(deep, 'lab.toml', FAKE_DRIVERS))).toEqual({ file: 'lab.toml', line: 5, column: 69 });
    const long = `[devices.a]\ndriver = "fake"\nnote = "${'a'.repeat(1_000_000)}"\n`;
    expect(() => parseLabConfig(long, 'lab.toml', FAKE_DRIVERS)).toThrow(/a string longer than 65536 characters starts here/);
    expect(locationOf(() => parseLabConfig(long, 'lab.toml', FAKE_DRIVERS))).toEqual({ file: 'lab.toml', line: 3, column: 8 });
    // quotes and brackets inside strings and comments do not count
    const fine = `# [[[[ "\n[devices.a]\ndriver = "fake"\nnote = "[{[{ \\" ]"\nlit = '[[[['\nml = """\n[[[[\n"""\n`;
    expect(parseLocatedToml(fine, 'lab.toml').value).toEqual({ devices: { a: { driver: 'fake', note: '[{[{ " ]', lit: '[[[[', ml: '[[[[\n' } } });
  });

  it('requires at least one device', () => {
    expect(problemsOf('[lab]\nname = "empty"\n')[0]?.message).toMatch(/no devices/);
  });

  it('checks settings against the device: unknown names and values out of range', () => {
    const problems = problemsOf('[devices.a]\ndriver = "fake"\nsettings = { gain = 11, gian = 1 }\n');
    expect(problems.map((p) => p.message)).toEqual([
      'device "a", setting "gain": 11 is outside 0..10',
      'device "a", setting "gian": unknown setting; did you mean "gain"? (settings: gain)',
    ]);
  });

  it('accepts a reference to a device declared later in the file', () => {
    const { config, problems } = checkLabConfig(
      '[devices.f]\ndriver = "fake-follower"\nsource = "src"\n[devices.src]\ndriver = "fake"\n',
      'lab.toml',
      FAKE_DRIVERS,
    );
    const lab = Lab.create(config, FAKE_DRIVERS, new VirtualClock(), problems);
    expect(lab.devices().map((d) => d.name)).toEqual(['f', 'src']);
  });
});
