/**
 * A lab's script declarations: one global per device with the script side of exactly its
 * capabilities, derived from the real interfaces, type-checking on their own.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf, capabilitySpec } from '../../capabilities/index.js';
import { createSystemClock, DaqError } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { checkDeclarations, checkScript } from './check.js';
import { labDeclarations } from './declarations.js';
import { tempDir } from '../../test-support/cleanup.fixture.js';

const EXAMPLE_LAB = join(import.meta.dirname, '../../../examples/lab.toml');

let lab: Lab;
let declarations: string;

beforeAll(async () => {
  lab = await Lab.load(EXAMPLE_LAB, DRIVERS, createSystemClock());
  declarations = labDeclarations(lab);
});

describe('labDeclarations', () => {
  it('declares every device of examples/lab.toml, typed by its capabilities, with driver and capabilities in its TSDoc', () => {
    for (const name of ['stage', 'laser', 'power_meter', 'camera', 'thermometer', 'piezo_bias']) {
      expect(declarations).toMatch(new RegExp(`^declare const ${name}: Device & `, 'm'));
    }
    expect(declarations).toMatch(/^declare const stage: Device & Movable & Stoppable & Parameterized & TriggerSource;$/m);
    // Readings typed per device: these read one number each.
    for (const name of ['power_meter', 'thermometer', 'piezo_bias']) expect(declarations).toMatch(new RegExp(`^declare const ${name}: Device & .*Readable<number>`, 'm'));
    expect(declarations).toMatch(/ \* `camera`: a sim-camera device\.\n \*\n \* Capabilities: .*FrameProducer.*\n/);
    expect(declarations).toMatch(/Settings: velocity \(number mm\/s\)/);
  });

  it('type-checks on its own, with the ES library only', () => {
    expect(checkDeclarations(declarations)).toEqual([]);
  });

  it('gives the camera snap and no moveAbs, results without promises, and frames as handles', () => {
    const probe = [
      'const position: number = stage.position();',
      'const moved: void = stage.moveAbs(5, { wait: false });',
      'const frame = camera.snap();',
      'const pixels: number = frame.width * frame.height;',
      'const exposureS: number = frame.exposureS;',
      "const dtype: string = camera.frameSize().dtype;",
      'const reading = power_meter.read();',
      '// a power meter reads one number: its value compares with a threshold',
      'const value: number = reading.value;',
      'const over: boolean = reading.value > 0.5;',
      'const anyReading: Reading = reading;',
      'const units: string = reading.units + stage.name + camera.driver;',
      'const points = lineScan(stage, [power_meter, thermometer], { start: 0, stop: 10, num: 11 });',
      "const first: number | undefined = points[0]?.positions['stage'];",
      '// @ts-expect-error the camera cannot move',
      'camera.moveAbs(1);',
      '// @ts-expect-error no callback crosses the sandbox wall',
      'camera.onFrame;',
      '// @ts-expect-error the sandbox gives devices methods, not properties such as units',
      'stage.units;',
      '// @ts-expect-error pixels stay in the daemon',
      'frame.data;',
      '// @ts-expect-error a script cannot give a move an abort signal',
      'stage.moveAbs(1, { signal: undefined });',
      '// @ts-expect-error a camera is no detector: it is not Readable',
      'count(camera);',
      'log(position, moved, pixels, exposureS, dtype, value, over, anyReading, units, first);',
    ].join('\n');
    expect(checkScript(probe, 'probe.ts', declarations)).toEqual([]);
  });

  it('gives each device every method of its capabilities, but those that take a callback', () => {
    const lines: string[] = [];
    for (const device of lab.devices()) {
      for (const capability of capabilitiesOf(device)) {
        for (const method of capabilitySpec(capability)?.methods ?? []) {
          const hostOnly = ['onFrame', 'onPulse', 'onTriggered', 'followTrigger'].includes(method);
          lines.push(hostOnly ? `// @ts-expect-error\n${device.name}.${method};` : `${device.name}.${method};`);
        }
      }
    }
    expect(lines.length).toBeGreaterThan(50);
    expect(checkScript(lines.join('\n'), 'methods.ts', declarations)).toEqual([]);
  });

  it('copies the capability interfaces as written, into namespace Daq', () => {
    expect(declarations).toContain('declare namespace Daq {');
    expect(declarations).toContain('    moveAbs(position: number, options?: MoveOptions): Promise<void>;');
    expect(declarations).toContain('  export interface Movable extends Stoppable {');
    expect(declarations).toMatch(/^interface Movable extends ScriptSide<Daq\.Movable> \{\}$/m);
  });

  it('refuses a device named like a script global', async () => {
    const dir = await tempDir('daq-types-');
    await writeFile(join(dir, 'lab.toml'), '[devices.count]\ndriver = "sim-thermometer"\n');
    // The lab config refuses such a name first ...
    await expect(Lab.load(join(dir, 'lab.toml'), DRIVERS, createSystemClock())).rejects.toMatchObject({
      children: [expect.objectContaining({ message: expect.stringMatching(/device "count": "count" is already a name in scripts/) })],
    });
    // ... and the declarations refuse it too, for labs built another way.
    const thermometer = DRIVERS.get('sim-thermometer');
    if (thermometer === undefined) throw new Error('sim-thermometer missing');
    const device = thermometer.create('count', thermometer.options.parse({}), { clock: createSystemClock(), device: () => { throw new Error('none'); } });
    const clash = { name: 'clash', devices: () => [device] };
    expect(() => labDeclarations(clash)).toThrow(DaqError);
    expect(() => labDeclarations(clash)).toThrow(/device "count": the name is taken by a script global/);
  });
});
