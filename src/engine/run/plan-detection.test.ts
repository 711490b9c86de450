import { describe, expect, it } from 'vitest';
import type { RunStart } from './documents.js';
import { detectPlan } from './plan-detection.js';
import { engineFor, runScript } from './run-engine.fixture.js';

const DEVICES = new Set(['stage', 'laser', 'power_meter', 'camera', 'thermometer']);
const plan = (source: string, name = 'scan.js') => detectPlan(source, name, DEVICES, 'scan');

describe('plan detection', () => {
  it('a line scan: plan_name, plan_type plan, motors, detectors and the motor as the x axis of its stream', () => {
    expect(plan(`const points = lineScan(stage, power_meter, { start: 0, stop: 25, num: 51 });\nlog('peak', points.length);`)).toEqual({
      planName: 'lineScan',
      planType: 'plan',
      motors: ['stage'],
      detectors: ['power_meter'],
      dimensions: [[['stage'], 'primary']],
    });
  });

  it('a list scan into a named stream, with two detectors, after a setup line', () => {
    expect(plan(`laser.setWavelength(800);\nlistScan(stage, [power_meter, thermometer], { positions: [1, 2, 3], stream: 'coarse' });`)).toEqual({
      planName: 'listScan',
      planType: 'plan',
      motors: ['stage'],
      detectors: ['power_meter', 'thermometer'],
      dimensions: [[['stage'], 'coarse']],
    });
  });

  it('a grid scan: both motors, outer first, each an axis', () => {
    expect(plan(`gridScan(laser, stage, [power_meter], { outer: { start: 700, stop: 900, num: 3 }, inner: { start: 0, stop: 10, num: 5 }, snake: true });`, 'grid.ts')).toEqual({
      planName: 'gridScan',
      planType: 'plan',
      motors: ['laser', 'stage'],
      detectors: ['power_meter'],
      dimensions: [[['laser'], 'primary'], [['stage'], 'primary']],
    });
  });

  it('a count: no motors, time as its axis', () => {
    expect(plan(`count([thermometer], { num: 10, delay: 0.1 });`)).toEqual({ planName: 'count', planType: 'plan', motors: [], detectors: ['thermometer'], dimensions: [[['time'], 'primary']] });
  });

  it('a plan in a try block at the top level runs once: still the plan', () => {
    expect(plan(`laser.openShutter();\ntry {\n  lineScan(stage, power_meter, { start: 0, stop: 1, num: 3 });\n} finally {\n  laser.closeShutter();\n}`).planName).toBe('lineScan');
    expect(plan(`try { x(); } catch (e) { lineScan(stage, power_meter, { start: 0, stop: 1, num: 3 }); }`).planType).toBe('script');
  });

  it('TypeScript scripts are read too', () => {
    expect(plan(`const num: number = 5;\nconst points = lineScan(stage, power_meter, { start: 0, stop: 1, num }) as unknown[];`, 'scan.ts').planName).toBe('lineScan');
  });

  it('a stream not written as a string leaves the dimensions out, the rest is known', () => {
    const found = plan(`const s = 'fine';\nlineScan(stage, power_meter, { start: 0, stop: 1, num: 3, stream: s });`);
    expect(found).toEqual({ planName: 'lineScan', planType: 'plan', motors: ['stage'], detectors: ['power_meter'] });
  });

  it('a plain script, a plan in a loop, two plans, or a script\'s own lineScan are scripts named after the file', () => {
    const script = { planName: 'scan', planType: 'script', motors: [], detectors: [] };
    expect(plan(`for (let i = 0; i < 3; i++) { stage.moveAbs(i); record('s', { x: stage.position() }); }`)).toEqual(script);
    expect(plan(`for (const w of [700, 800]) { laser.setWavelength(w); lineScan(stage, power_meter, { start: 0, stop: 1, num: 3 }); }`)).toEqual(script);
    expect(plan(`lineScan(stage, power_meter, { start: 0, stop: 1, num: 3 });\ncount([power_meter], { num: 2 });`)).toEqual(script);
    expect(plan(`function lineScan(a, b, c) { return 1; }\nlineScan(stage, power_meter, {});`)).toEqual(script);
    expect(plan(`if (params.fine) lineScan(stage, power_meter, { start: 0, stop: 1, num: 3 });`)).toEqual(script);
    expect(plan(`this is not JavaScript lineScan(`)).toEqual(script);
  });

  it('a device name the script rebinds is not taken for the device', () => {
    const found = plan(`const stage = laser;\nlineScan(stage, power_meter, { start: 700, stop: 800, num: 3 });`);
    expect(found).toMatchObject({ planName: 'lineScan', motors: [], detectors: ['power_meter'] });
    expect(found.dimensions).toBeUndefined();
  });
});

describe('plan in the start document', () => {
  it('a run that is one line scan says so; a plain script is a script with scan ids counting 1, 2', async () => {
    const { engine, documents, lab } = await engineFor();
    const first = await runScript(engine, `lineScan(stage, power_meter, { start: 0, stop: 2, num: 3 });`, { scriptName: 'scans/line.js' });
    const second = await runScript(engine, `record('s', { x: 1 });`, { scriptName: 'scans/by-hand.ts' });
    expect([first.stop.exitStatus, second.stop.exitStatus]).toEqual(['success', 'success']);
    const starts = documents.filter((d): d is RunStart => d.kind === 'start');
    expect(starts[0]).toMatchObject({ scanId: 1, planName: 'lineScan', planType: 'plan', motors: ['stage'], detectors: ['power_meter'], hints: { dimensions: [[['stage'], 'primary']] } });
    expect(starts[1]).toMatchObject({ scanId: 2, planName: 'by-hand', planType: 'script', motors: [], detectors: [] });
    expect(starts[1]?.hints).toBeUndefined();
    await lab.disconnect();
  });
});
