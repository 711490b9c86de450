/**
 * adaptiveScan and stopWhen as a script uses them: through the sandbox, the prelude (devices in
 * plan options cross by name) and the host, on the simulated lab of examples/lab.toml.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { isMovable } from '../../capabilities/index.js';
import { checkScript, labDeclarations } from '../../scripting/types/index.js';
import type { RunEvent, RunStart } from './documents.js';
import { engineFor, runScript } from './run-engine.fixture.js';

const LIGHT = 'laser.enableEmission();\nlaser.openShutter();\n';

describe('adaptiveScan and stopWhen in scripts', () => {
  it('an adaptiveScan run is that plan, records its points and returns them', async () => {
    const { engine, lab, documents } = await engineFor();
    const source = `${LIGHT}const points = adaptiveScan(stage, [power_meter, thermometer], { start: 5, stop: 20, minStep: 0.01, maxStep: 1, targetDelta: 0.1, detector: power_meter });
record('result', { n: points.length, last: points[points.length - 1].positions.stage });`;
    const { stop } = await runScript(engine, source, { scriptName: 'adaptive.js' });
    expect(stop).toMatchObject({ exitStatus: 'success', reason: '' });
    const start = documents.find((d): d is RunStart => d.kind === 'start');
    expect(start).toMatchObject({ planName: 'adaptiveScan', planType: 'plan', motors: ['stage'], detectors: ['power_meter', 'thermometer'] });
    const points = stop.numEvents['primary'] as number;
    expect(points).toBeGreaterThan(30);
    expect(points).toBeLessThan(1501 / 3);
    const result = documents.find((d): d is RunEvent => d.kind === 'event' && d.stream === 'result');
    expect(result?.data).toMatchObject({ n: points, last: expect.closeTo(20, 3) });
    await lab.disconnect();
  });

  it('any settable quantity is an axis: the laser\'s gain peak over its wavelength', async () => {
    const { engine, lab, documents } = await engineFor();
    const source = `${LIGHT}const points = adaptiveScan(laser.wavelength, laser, { start: 700, stop: 1000, minStep: 0.5, maxStep: 20, targetDelta: 0.1 });
let best = points[0];
for (const p of points) if (p.readings.laser.value > best.readings.laser.value) best = p;
record('best', { nm: best.positions.laser_wavelength, n: points.length });`;
    const { stop } = await runScript(engine, source);
    expect(stop).toMatchObject({ exitStatus: 'success', reason: '' });
    const best = documents.find((d): d is RunEvent => d.kind === 'event' && d.stream === 'best')?.data;
    // the gain peak of the simulated Ti:Sapphire is at 800 nm (src/drivers/sim/sim-laser.ts), broad and noisy at its top
    expect(Math.abs((best?.['nm'] as number) - 800)).toBeLessThan(10);
    expect(best?.['n']).toBeLessThan(601 / 3);
    await lab.disconnect();
  });

  it('stopWhen ends a plan cleanly: the run succeeds, the script goes on, the log says why', async () => {
    const { engine, lab, documents, logs } = await engineFor();
    const source = `${LIGHT}const points = lineScan(stage, power_meter, { start: 5, stop: 20, num: 61, stopWhen: { device: power_meter, above: 1 } });
const n = count(thermometer, { num: 5, stream: 'temps', stopWhen: [{ device: 'thermometer', above: 100 }, { device: thermometer, below: 100 }] }).length;
record('after', { points: points.length, counted: n });`;
    const { stop } = await runScript(engine, source);
    expect(stop).toMatchObject({ exitStatus: 'success', reason: '' });
    const stopped = stop.numEvents['primary'] as number;
    expect(stopped).toBeGreaterThan(5);
    expect(stopped).toBeLessThan(61);
    expect(stop.numEvents).toMatchObject({ temps: 1, after: 1 });
    const events = documents.filter((d): d is RunEvent => d.kind === 'event' && d.stream === 'primary');
    expect(events.at(-1)?.data['power_meter']).toBeGreaterThan(1);
    expect(events.slice(0, -1).every((e) => (e.data['power_meter'] as number) <= 1)).toBe(true);
    const said = logs.map((l) => l.message);
    expect(said).toContainEqual(expect.stringMatching(new RegExp(`^lineScan stopped early after point ${stopped} \\(stream primary\\): stopWhen: power_meter read [\\d.]+ W, above 1 W$`)));
    expect(said).toContainEqual(expect.stringMatching(/^count stopped early after point 1 \(stream temps\): stopWhen: thermometer read [\d.]+ degC, below 100 degC$/));
    expect(documents.find((d): d is RunEvent => d.kind === 'event' && d.stream === 'after')?.data).toEqual({ points: stopped, counted: 1 });
    await lab.disconnect();
  });

  it('every step plan takes stopWhen: productScan and innerScan too, a relative scan goes back; flyScan refuses it', async () => {
    const { engine, lab, logs, documents } = await engineFor();
    const source = `${LIGHT}const a = productScan([{ axis: laser.wavelength, start: 790, stop: 810, num: 3 }, { axis: stage, start: 10, stop: 14, num: 5 }], power_meter, { stream: 'p', stopWhen: { device: power_meter, above: 2 } });
const b = innerScan([{ axis: stage, start: 10, stop: 14 }], power_meter, { num: 41, stream: 'i', stopWhen: { device: 'stage', above: 11.05 } });
stage.moveAbs(10);
const c = lineScan(stage, power_meter, { start: 0, stop: 4, num: 41, relative: true, stream: 'r', stopWhen: { device: power_meter, above: 2 } });
record('after', { a: a.length, b: b.length, c: c.length, back: stage.position() });`;
    const { stop } = await runScript(engine, source);
    expect(stop).toMatchObject({ exitStatus: 'success', reason: '' });
    expect(stop.numEvents).toMatchObject({ i: 12, after: 1 });
    expect(stop.numEvents['p']).toBeLessThan(15);
    expect(stop.numEvents['r']).toBeLessThan(41);
    // the relative scan that stopped early set the stage back where it started
    expect(documents.find((d): d is RunEvent => d.kind === 'event' && d.stream === 'after')?.data['back']).toBeCloseTo(10, 3);
    const said = logs.map((l) => l.message);
    expect(said).toContainEqual(expect.stringMatching(/^productScan stopped early after point \d+ \(stream p\): stopWhen: power_meter read [\d.]+ W, above 2 W$/));
    expect(said).toContainEqual('innerScan stopped early after point 12 (stream i): stopWhen: stage read 11.1 mm, above 11.05 mm');
    const flown = await runScript(engine, `${LIGHT}flyScan(stage, power_meter, { start: 6.5, stop: 18.5, num: 25, stopWhen: { device: power_meter, above: 1 } });`);
    expect(flown.stop.exitStatus).toBe('fail');
    expect(flown.stop.reason).toContain('flyScan: stopWhen is not taken by a fly scan');
    await lab.disconnect();
  });

  it('bad options fail the run before the motor moves, naming the plan and the option', async () => {
    const { engine, lab } = await engineFor();
    const stage = lab.device('stage');
    if (!isMovable(stage)) throw new Error('examples/lab.toml changed');
    for (const [script, message] of [
      ['adaptiveScan(stage, power_meter, { start: 5, stop: 20, minStep: 0, maxStep: 1, targetDelta: 0.1 });', 'adaptiveScan: minStep must be above 0, got 0'],
      ['adaptiveScan(stage, power_meter, { start: 5, stop: 20, minStep: 0.01, maxStep: 1, targetDelta: 0.1, detector: thermometer });', 'adaptiveScan: detector must be one of the plan\'s detectors (power_meter), got "thermometer"'],
      ['lineScan(stage, power_meter, { start: 5, stop: 20, num: 4, stopWhen: { device: thermometer, above: 30 } });', 'lineScan: stopWhen.device thermometer is not read by this plan'],
      ['count(power_meter, { num: 2, stopWhen: { device: power_meter } });', 'count: stopWhen needs a threshold: above, below or both'],
      ['listScan(stage, power_meter, { positions: [7, 8], stopWhen: { device: power_meter, above: "1" } });', 'listScan: stopWhen.above must be a finite number, got "1"'],
    ] as const) {
      const { stop } = await runScript(engine, `stage.moveAbs(3);\n${script}`);
      expect(stop.exitStatus).toBe('fail');
      expect(stop.reason).toContain(message);
      expect(await stage.position()).toBeCloseTo(3, 6);
    }
    await lab.disconnect();
  });

  it('daq check knows them: a missing threshold, a thermometer as the axis, a misspelt option', async () => {
    const { lab } = await engineFor();
    const declarations = labDeclarations(lab);
    const problems = (source: string) => checkScript(source, 'check.ts', declarations).map((d) => `${d.line}: ${d.message.split('\n')[0]}`);
    expect(problems('adaptiveScan(stage, power_meter, { start: 0, stop: 30, minStep: 0.01, maxStep: 1, targetDelta: 0.1, detector: power_meter, stopWhen: { device: stage, above: 20 } });')).toEqual([]);
    expect(problems('lineScan(stage, power_meter, { start: 0, stop: 1, num: 2, stopWhen: { device: power_meter } });')).toHaveLength(1);
    expect(problems('adaptiveScan(thermometer, power_meter, { start: 0, stop: 30, minStep: 0.01, maxStep: 1, targetDelta: 0.1 });')).toHaveLength(1);
    expect(problems('adaptiveScan(stage, power_meter, { start: 0, stop: 30, min_step: 0.01, maxStep: 1, targetDelta: 0.1 });')).toHaveLength(1);
    await lab.disconnect();
  });

  it('examples/adaptive_peak.js passes `daq check` and finds the peak to 0.01 mm', async () => {
    const { engine, lab, documents } = await engineFor();
    const file = 'examples/adaptive_peak.js';
    const source = await readFile(file, 'utf8');
    expect(checkScript(source, file, labDeclarations(lab))).toEqual([]);
    const { stop } = await runScript(engine, source, { scriptName: file });
    expect(stop).toMatchObject({ exitStatus: 'success', reason: '' });
    const result = documents.find((d): d is RunEvent => d.kind === 'event' && d.stream === 'result');
    expect(Math.abs((result?.data['peak'] as number) - 12.5)).toBeLessThan(0.01);
    expect(result?.data['adaptive_points']).toBeLessThan(3001 / 3);
    expect(result?.data['edge_points']).toBeLessThan(101);
    await lab.disconnect();
  });
});
