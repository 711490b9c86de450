import { describe, expect, it } from 'vitest';
import type { EventDescriptor, RunEvent } from './documents.js';
import { rewriteRecords } from './record-rewrite.js';
import { engineFor, runScript } from './run-engine.fixture.js';

const UNITS: Record<string, Record<string, string>> = { stage: { position: 'mm' }, laser: { wavelength: 'nm' } };
const rewrite = (source: string, name = 'test.js') => rewriteRecords(source, name, (device, method) => UNITS[device]?.[method]);

describe('record() rewrite', () => {
  it('a direct getter call becomes a host read; a const bound to one is tagged; each call gets its line', () => {
    // nothing else in the record calls anything: the daemon makes the reads when it takes the record
    expect(rewrite(`record('s', { x: stage.position(), w: (laser.wavelength()), n: 1, m: [i * 2, -i] });`)).toBe(
      `__daq_record_at(1, 's', { x: __daq_read_in("stage", "position"), w: (__daq_read_in("laser", "wavelength")), n: 1, m: [i * 2, -i] });`,
    );
    // another call in the record could act between a field and the record: each read is made where it is written
    expect(rewrite(`record('s', { x: stage.position(), y: f(), z: new Date() });`)).toBe(
      `__daq_record_at(1, 's', { x: __daq_later("stage", "position"), y: f(), z: new Date() });`,
    );
    expect(rewrite(`const p = stage.position();\nrecord('s', { p, q: p, r: p * 2 });`)).toBe(
      `const p = stage.position();\n__daq_record_at(2, 's', { p: __daq_sourced(p, "stage", "position"), q: __daq_sourced(p, "stage", "position"), r: p * 2 });`,
    );
    expect(rewrite(`for (;;) {\n  progress(1, 2); record ('s', data)\n}`)).toBe(`for (;;) {\n  __daq_progress_at(2, 1, 2); __daq_record_at(2, 's', data)\n}`);
  });

  it('a script written with await is rewritten the same way (the await stays, on the same line)', () => {
    expect(rewrite(`const p = await stage.position();\nrecord('s', { x: await stage.position(), p });`)).toBe(
      `const p = await stage.position();\n__daq_record_at(2, 's', { x: await __daq_read_in("stage", "position"), p: __daq_sourced(p, "stage", "position") });`,
    );
    const moves = (source: string) => rewriteRecords(source, 'test.js', (device, method) => UNITS[device]?.[method], undefined, (device) => device === 'stage');
    expect(moves(`await stage.moveAbs(1);\nawait (stage.moveRel(2));`)).toBe(`await __daq_move_at(1, "stage", "moveAbs", 1);\nawait (__daq_move_at(2, "stage", "moveRel", 2));`);
  });

  it('leaves alone what it cannot be sure of', () => {
    const untagged = [
      `let p = stage.position();\nrecord('s', { p });`, // may be reassigned
      `const stage = other;\nrecord('s', { x: stage.position() });`, // not the device
      `record('s', { x: stage.limits() });`, // not a getter with units
      `record('s', { x: stage.position(1) });`, // arguments
      `const p = stage.position();\nfunction f() { const p = 2; return p; }\nrecord('s', { p });`, // p declared twice
      `{ const p = stage.position(); }\nrecord('s', { p });`, // p out of scope here
      `const data = { x: stage.position() };\nrecord('s', data);`, // not an object literal in the call
    ];
    for (const source of untagged) expect(rewrite(source)).toBe(source.replace(/record\('s', /, (_, at: number) => `__daq_record_at(${source.slice(0, at).split('\n').length}, 's', `));
    // the script's own record and progress are not ours
    const own = `function record(a, b) {}\nfunction progress() {}\nrecord('s', { x: stage.position() }); progress(1, 2);`;
    expect(rewrite(own)).toBe(own);
  });

  it('a move whose result is not used is not waited for, unless the script has a try statement', () => {
    const moves = (source: string) => rewriteRecords(source, 'test.js', (device, method) => UNITS[device]?.[method], undefined, (device) => device === 'stage');
    expect(moves(`for (let i = 0; i < 3; i++) {\n  stage.moveAbs(i * 2, { wait: true });\n  stage.moveRel(1)\n}`)).toBe(
      `for (let i = 0; i < 3; i++) {\n  __daq_move_at(2, "stage", "moveAbs", i * 2, { wait: true });\n  __daq_move_at(3, "stage", "moveRel", 1)\n}`,
    );
    const waited = [
      `const done = stage.moveAbs(1);`, // its result is used
      `laser.moveAbs(1);`, // not a motor
      `stage.moveAbs(1);\ntry { stage.moveAbs(2000); } catch (e) { log('refused'); }`, // a failure may be caught
      `function f() { stage.moveAbs(1); }\ntry { f(); } finally { log('done'); }`,
      `function go(x) {\n  stage.moveAbs(x);\n}\ngo(60);`, // in a function: its error keeps the calls that led to it
      `[1, 2].forEach((x) => { stage.moveAbs(x); });`,
    ];
    for (const source of waited) expect(moves(source)).toBe(source);
  });

  it('keeps every line where it was, in TypeScript too', () => {
    const source = `const p: number = stage.position();\nrecord('s', {\n  p,\n  x: stage.position() as number,\n});\nthrow new Error('here');`;
    const out = rewrite(source, 'test.ts');
    expect(out.split('\n')).toHaveLength(source.split('\n').length);
    expect(out.split('\n')[5]).toBe(`throw new Error('here');`);
    expect(out).toContain('x: __daq_read_in("stage", "position") as number');
  });
});

describe('values read from devices keep units and source', () => {
  it('position(), wavelength(), temperature() recorded directly or through a const; the script sees plain numbers', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(
      engine,
      `stage.moveAbs(3);
       const p = stage.position();
       if (typeof p !== 'number' || p !== 3) throw new Error('p is ' + JSON.stringify(p));
       record('s', { x: stage.position(), p, w: laser.wavelength(), t: thermometer.temperature(), twice: p * 2 });`,
    );
    expect(stop).toMatchObject({ exitStatus: 'success' });
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor');
    expect(descriptor?.dataKeys).toEqual({
      x: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
      p: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
      w: { dtype: 'float64', shape: [], units: 'nm', source: 'laser' },
      t: { dtype: 'float64', shape: [], units: 'degC', source: 'thermometer' },
      twice: { dtype: 'float64', shape: [], units: '', source: 'script' },
    });
    const event = documents.find((d): d is RunEvent => d.kind === 'event');
    expect(event?.data).toMatchObject({ x: 3, p: 3, w: 800, twice: 6 });
    expect(event?.timestamps['x']).toBeGreaterThan(0);
    await lab.disconnect();
  });

  it('a script written with await runs on the simulated lab, its values recorded with their devices and units', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(
      engine,
      `for (let i = 0; i < 3; i++) {
         await stage.moveAbs(12.5 + i);
         const p = await power_meter.read();
         record('s', { x: await stage.position(), p });
       }`,
    );
    expect(stop).toMatchObject({ exitStatus: 'success' });
    const events = documents.filter((d): d is RunEvent => d.kind === 'event');
    expect(events.map((e) => e.data['x'])).toEqual([12.5, 13.5, 14.5]);
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor');
    expect(descriptor?.dataKeys['x']).toMatchObject({ units: 'mm', source: 'stage' });
    expect(descriptor?.dataKeys['p']).toMatchObject({ units: 'W', source: 'power_meter' });
    await lab.disconnect();
  });

  it('reads made for a record come after the moves before it, in order; a read whose record never came is recorded nowhere', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(
      engine,
      `for (let i = 0; i < 5; i++) { stage.moveAbs(i); record('s', { x: stage.position(), p: power_meter.read() }); }
       try { record('s', { x: stage.position(), p: nope() }); } catch (e) {}
       stage.moveAbs(7); record('s', { x: stage.position(), p: power_meter.read() });`,
    );
    expect(stop).toMatchObject({ exitStatus: 'success' });
    const events = documents.filter((d): d is RunEvent => d.kind === 'event');
    expect(events.map((e) => e.data['x'])).toEqual([0, 1, 2, 3, 4, 7]);
    expect(events.every((e) => typeof e.data['p'] === 'number' && (e.timestamps['p'] ?? 0) > 0)).toBe(true);
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor');
    expect(descriptor?.dataKeys['p']).toMatchObject({ units: 'W', source: 'power_meter' });
    await lab.disconnect();
  });

  it('a TypeScript script is tagged too, and errors keep their line numbers', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(engine, `const p: number = stage.position();\nrecord('s', { p, x: stage.position() as number });\nrecord('s', { p, x: nope });`, { scriptName: 'test.ts' });
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toContain('nope');
    expect(stop.reason).toContain('test.ts:3');
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor');
    expect([descriptor?.dataKeys['p']?.source, descriptor?.dataKeys['x']?.units]).toEqual(['stage', 'mm']);
    await lab.disconnect();
  });

  it('a move the script does not wait for is made in order; one that fails fails the run naming its line, and nothing after it is done', async () => {
    const { engine, documents, logs, lab } = await engineFor();
    const { stop } = await runScript(engine, `for (let i = 0; i < 3; i++) { stage.moveAbs(i * 10); record('s', { x: stage.position() }); }\nstage.moveAbs(5000);\nlog('after');\nrecord('s', { x: 1 });\nlog('not reached', now());`);
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toMatch(/stage: position 5000 mm is outside .* \(at test\.js:2\)/);
    const events = documents.filter((d): d is RunEvent => d.kind === 'event');
    expect(events.map((e) => e.data['x'])).toEqual([0, 10, 20]);
    expect(logs.map((l) => l.message)).not.toContain('after');
    // a script with a try statement waits for its moves, so it can catch a refused one
    const caught = await runScript(engine, `try { stage.moveAbs(5000); } catch (e) { log('caught', e.message); }`);
    expect(caught.stop.exitStatus).toBe('success');
    expect(logs.at(-1)?.message).toMatch(/^caught stage: /);
    await lab.disconnect();
  });

  it('a read the daemon makes for a record that fails refuses that record, naming the field and the line, and nothing is recorded', async () => {
    const { engine, documents, lab } = await engineFor();
    await lab.device('power_meter').disconnect();
    const { stop } = await runScript(engine, `stage.moveAbs(1);\nrecord('s', { x: stage.position(), p: power_meter.read() });\nlog('not reached', now());`);
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toMatch(/field "p": .*power_meter.* \(at test\.js:2\)/);
    expect(documents.filter((d) => d.kind === 'event')).toHaveLength(0);
    await lab.disconnect();
  });
});
