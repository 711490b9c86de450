/**
 * Type-checking experiment scripts against examples/lab.toml: the mistakes a scientist makes are
 * found with their line and column, in TypeScript and in JavaScript; correct scripts pass.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { checkScript } from './check.js';
import { labDeclarations } from './declarations.js';
import { tempDir } from '../../test-support/cleanup.fixture.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples');

let declarations: string;

beforeAll(async () => {
  declarations = labDeclarations(await Lab.load(join(EXAMPLES, 'lab.toml'), DRIVERS, createSystemClock()));
});

const check = (source: string, filename = 'scan.ts') => checkScript(source, filename, declarations);

const GOOD_SCRIPT = `// A scan of the coupling, then a frame at the best position.
interface Best { position: number; power: number }

const num = Number(params['points'] ?? 11);
laser.setWavelength(800);
laser.enableEmission();
laser.openShutter();
try {
  const points = lineScan(stage, power_meter, { start: 0, stop: 25, num, stream: 'coarse' });
  let best: Best = { position: NaN, power: -Infinity };
  for (const point of points) {
    const power = point.readings['power_meter']?.value;
    if (typeof power === 'number' && power > best.power) best = { position: point.positions['stage'] ?? NaN, power };
    progress(point.index + 1, points.length);
  }
  stage.moveAbs(best.position, { wait: true });
  camera.setExposure(0.01);
  const frame = camera.snap();
  record('best', { position: stage.position(), power: best.power, image: frame, reading: power_meter.read(), at: now() });
  listScan(stage, power_meter, { positions: [1, 2, 3] });
  count([power_meter, thermometer], { num: 3, delay: 0.1 });
  sleep(0.5);
  log('best', best, 'at', camera.temperature(), 'degC');
} finally {
  laser.closeShutter();
}
`;

describe('checkScript', () => {
  it('passes a correct TypeScript script that uses several devices and plans', () => {
    expect(check(GOOD_SCRIPT)).toEqual([]);
  });

  it('checks a grid scan: two motors, then detectors', async () => {
    const dir = await tempDir('daq-check-');
    await writeFile(join(dir, 'lab.toml'), '[devices.x]\ndriver = "sim-stage"\n[devices.y]\ndriver = "sim-stage"\n[devices.t]\ndriver = "sim-thermometer"\n');
    const xy = labDeclarations(await Lab.load(join(dir, 'lab.toml'), DRIVERS, createSystemClock()));
    const axes = '{ outer: { start: 0, stop: 1, num: 2 }, inner: { start: 0, stop: 1, num: 3 }, snake: true }';
    expect(checkScript(`gridScan(x, y, t, ${axes});`, 'grid.ts', xy)).toEqual([]);
    expect(checkScript(`gridScan(x, t, [t], ${axes});`, 'grid.ts', xy)).toMatchObject([{ line: 1, column: 13 }]);
  });

  it('passes the TypeScript example of the repository', async () => {
    const file = join(EXAMPLES, 'peak_search.ts');
    expect(checkScript(await readFile(file, 'utf8'), file, declarations)).toEqual([]);
  });

  it('reports a method the device does not have, at its line and column', () => {
    const problems = check('stage.moveAbs(1);\nconst frame = camera.snap();\ncamera.moveAbs(1);\nrecord("x", { frame });\n');
    expect(problems).toEqual([
      { file: 'scan.ts', line: 3, column: 8, code: 2339, message: expect.stringMatching(/^Property 'moveAbs' does not exist on type '.*FrameProducer.*'/) as unknown },
    ]);
  });

  it('reports the same mistake in a JavaScript script', () => {
    const problems = check('// plain JavaScript\nconst steps = 3;\ncamera.moveAbs(steps);\n', 'scan.js');
    expect(problems.map((p) => [p.file, p.line, p.column])).toEqual([['scan.js', 3, 8]]);
    expect(problems[0]?.message).toContain("'moveAbs'");
  });

  it('lets a JavaScript script leave its function parameters untyped, but still checks the calls', () => {
    expect(check('function go(to) { stage.moveAbs(to); }\ngo(5);\n', 'scan.js')).toEqual([]);
    expect(check('function go(to) { stage.moveAbs(to); }\nstage.moveAbs("5");\n', 'scan.js').map((p) => p.line)).toEqual([2]);
  });

  it('reports an argument of the wrong type', () => {
    const [problem, ...rest] = check('stage.moveAbs("5");\n');
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ line: 1, column: 15, code: 2345 });
    expect(problem?.message).toBe("Argument of type 'string' is not assignable to parameter of type 'number'.");
  });

  it('reports a device with nothing to set given to a plan as its axis', () => {
    const problems = check('const points = lineScan(thermometer, power_meter, { start: 0, stop: 1, num: 2 });\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 1, column: 25 });
    expect(problems[0]?.message).toMatch(/not assignable to parameter of type 'Axis'/);
  });

  it('reports what a script does not have: timers, require, console, process, fetch', () => {
    const source = ['setTimeout(() => log("late"), 10);', "const fs = require('fs');", 'console.log(1);', 'process.exit(1);', "fetch('http://x');"].join('\n');
    const problems = check(source);
    expect(problems.map((p) => [p.line, p.code])).toEqual([
      [1, 2304],
      [2, 2591],
      [3, 2584],
      [4, 2591],
      [5, 2304],
    ]);
    expect(problems[0]?.message).toBe("Cannot find name 'setTimeout'.");
    expect(problems[1]?.message).toMatch(/^Cannot find name 'require'/);
    expect(check("const fs = require('fs');\nimport('os');\n", 'scan.js').map((p) => p.line)).toEqual([1, 2]);
  });

  it('reports a syntax error, and a type annotation in a JavaScript file', () => {
    expect(check('stage.moveAbs(1;\n')).toMatchObject([{ line: 1, column: 16, message: "')' expected." }]);
    expect(check('const x: number = 1;\n', 'scan.js')).toMatchObject([{ line: 1, column: 10, code: 8010 }]);
  });

  it('passes a JavaScript script that compares a power reading with a threshold; a frame is still a frame', () => {
    const source = 'const threshold = 0.5;\nconst p = power_meter.read();\nif (p.value > threshold) log("over");\nconst frame = camera.snap();\nconst pixels = frame.width * frame.height;\nframe.value;\n';
    expect(check(source, 'threshold.js')).toMatchObject([{ line: 6, column: 7, code: 2339 }]);
  });

  it('passes a script written with await at the top level, without `export {}` (which is still allowed)', () => {
    const source = 'const p = await power_meter.read();\nawait stage.moveAbs(12.5);\nif (p.value > 0.1) log(await stage.position());\n';
    expect(check(source, 'async.js')).toEqual([]);
    expect(check(source, 'async.ts')).toEqual([]);
    expect(check(`export {};\n${source}`, 'async.js')).toEqual([]);
    expect(check('await stage.moveAbz(1);\n', 'async.js')).toMatchObject([{ line: 1, column: 13, code: 2551 }]);
  });

  it('reports an export: a script is not a module', () => {
    expect(check('export const x = 1;\nexport default 2;\nconst y = 3;\nexport { y };\n', 'e.js').map((p) => [p.line, p.code])).toEqual([
      [1, 0],
      [2, 0],
      [4, 0],
    ]);
  });

  it('uses the declarations given, not a lab.d.ts an editor set-up refers to', () => {
    expect(check('/// <reference path="../somewhere/lab.d.ts" />\nstage.moveAbs(1);\n')).toEqual([]);
  });
});
