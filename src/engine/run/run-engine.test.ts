import { readFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { isShutterControl, isMovable } from '../../capabilities/index.js';
import { checkScript, labDeclarations } from '../../scripting/types/index.js';
import type { EventDescriptor, RunEvent, RunStart } from './documents.js';
import { createSystemClock } from '../../core/index.js';
import { Lab, parseLabConfig } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { engineFor, runScript } from './run-engine.fixture.js';
import { RunEngine } from './run-engine.js';

describe('run engine: documents', () => {
  it('a run emits start, one descriptor per stream, events and a stop, in that order', async () => {
    const { engine, documents, lab } = await engineFor();
    const source = `
      for (let i = 0; i < 3; i++) {
        stage.moveAbs(i);
        record('scan', { x: stage.position(), power: power_meter.read(), label: 'p' + i });
      }
      record('summary', { n: 3 });`;
    const { run, stop } = await runScript(engine, source, { params: { steps: 3 }, metadata: { sample: 'Si-12' } });
    expect(stop).toMatchObject({ exitStatus: 'success', reason: '', numEvents: { scan: 3, summary: 1 } });
    expect(documents.map((d) => d.kind)).toEqual(['start', 'descriptor', 'event', 'event', 'event', 'descriptor', 'event', 'stop']);
    const start = documents[0] as RunStart;
    expect(start).toMatchObject({ uid: run.uid, scriptName: 'test.js', scriptSource: source, params: { steps: 3 }, metadata: { sample: 'Si-12' }, lab: 'Simulated optics lab' });
    expect(start.scriptSha256).toMatch(/^[0-9a-f]{64}$/);
    const descriptor = documents[1] as EventDescriptor;
    expect(descriptor.name).toBe('scan');
    expect(descriptor.dataKeys).toEqual({
      x: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
      power: { dtype: 'float64', shape: [], units: 'W', source: 'power_meter' },
      label: { dtype: 'string', shape: [], units: '', source: 'script' },
    });
    const events = documents.filter((d): d is RunEvent => d.kind === 'event' && d.stream === 'scan');
    expect(events.map((e) => [e.seqNum, e.data['x'], e.data['label']])).toEqual([[1, 0, 'p0'], [2, 1, 'p1'], [3, 2, 'p2']]);
    expect(events.every((e) => e.descriptor === descriptor.uid)).toBe(true);
    await lab.disconnect();
  });

  it('a run waits for its beforeScript work (the devices\' settings at run start) before the script touches a device', async () => {
    const { engine, lab } = await engineFor();
    const camera = lab.device('camera') as unknown as { getParameter(name: string): Promise<unknown> };
    const seen: unknown[] = [];
    engine.beforeScript(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20)); // real time: the script must not start meanwhile
      seen.push(await camera.getParameter('exposure'));
    });
    const { stop } = await runScript(engine, `camera.setExposure(0.5); record('x', {exposure: 0.5});`);
    expect(stop.exitStatus).toBe('success');
    expect(seen).toEqual([0.01]); // the lab's value, not the script's
    expect(await camera.getParameter('exposure')).toBe(0.5);
    await lab.disconnect();
  });

  it('frames from snap() are recorded whole, with their shape and dtype', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(engine, `camera.setRoi({x: 0, y: 0, width: 64, height: 32}); const f = camera.snap(); record('images', {image: f, mean: f.mean});`);
    expect(stop.exitStatus).toBe('success');
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor');
    expect(descriptor?.dataKeys['image']).toEqual({ dtype: 'uint16', shape: [32, 64], units: 'counts', source: 'camera' });
    expect(descriptor?.dataKeys['image_exposure']).toEqual({ dtype: 'float64', shape: [], units: 's', source: 'camera' });
    const event = documents.find((d): d is RunEvent => d.kind === 'event');
    const image = event?.data['image'] as { data: Uint16Array };
    expect(image.data).toBeInstanceOf(Uint16Array);
    expect(image.data.length).toBe(64 * 32);
    await lab.disconnect();
  });

  it('refuses a record whose fields differ from the stream\'s first event, naming the field', async () => {
    const { engine, lab } = await engineFor();
    const { stop } = await runScript(engine, `record('s', {x: 1});\nrecord('s', {x: 'one'});`);
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toContain('record("s"): field "x" was float64[] in the first event, now string[]');
    expect(stop.reason).toContain('test.js:2');
    await lab.disconnect();
  });
});

describe('run engine: script API', () => {
  it('a device has exactly the methods of its capabilities; a missing one says what it can do', async () => {
    const { engine, lab } = await engineFor();
    const { stop } = await runScript(engine, `\n\ncamera.moveAbs(1);`);
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toContain('camera (sim-camera) has no method "moveAbs": it is Triggerable, FrameProducer');
    expect(stop.reason).toContain('its methods are arm, trigger, snap');
    expect(stop.reason).toContain('test.js:3');
    await lab.disconnect();
  });

  it('driver errors reach the script as catchable exceptions with code, device and cause', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(
      engine,
      `try { stage.moveAbs(999); } catch (e) { record('errors', { code: e.code, message: e.message }); }`,
    );
    expect(stop.exitStatus).toBe('success');
    const event = documents.find((d): d is RunEvent => d.kind === 'event');
    expect(event?.data).toEqual({ code: 'out_of_range', message: 'stage: position 999 mm is outside the limits 0..50 mm' });
    await lab.disconnect();
  });

  it('an uncaught error fails the run with the script\'s stack trace and the user\'s line', async () => {
    const { engine, lab } = await engineFor();
    const { stop } = await runScript(engine, `function go(x) {\n  stage.moveAbs(x);\n}\nlog('start');\ngo(60);`);
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toContain('stage: position 60 mm is outside the limits 0..50 mm');
    expect(stop.reason).toMatch(/test\.js:2/);
    expect(stop.reason).toMatch(/test\.js:5/);
    await lab.disconnect();
  });

  it('gives params, now(), sleep() on the lab clock, log() and progress()', async () => {
    const { engine, logs, lab, clock } = await engineFor();
    const t0 = clock.now();
    const { run, stop } = await runScript(engine, `const t = now(); sleep(params.wait); log('waited', now() - t, {unit: 's'}); progress(1, 2);`, {
      params: { wait: 30 },
    });
    expect(stop.exitStatus).toBe('success');
    expect(clock.now() - t0).toBeGreaterThanOrEqual(30);
    expect(logs.map((l) => l.message)).toEqual(['waited 30 {"unit":"s"}']);
    expect(run.summary().progress).toEqual({ done: 1, total: 2 });
    await lab.disconnect();
  });

  it('refuses stream and field names a file could not hold, or would merge, at the record\'s line', async () => {
    const { engine, lab } = await engineFor();
    const cases: [string, RegExp][] = [
      [`record('s', {'.': 1})`, /the field name "\." must start with a letter/],
      [`record('s', {'a/b': 1, a_b: 2})`, /the field name "a\/b" must start/],
      [`record('s', {'x y': 1})`, /the field name "x y"/],
      [`record('s', {time: 1})`, /the field name "time" is taken/],
      [`record('s', {seq_num: 1})`, /"seq_num" is taken/],
      [`record('s', JSON.parse('{"__proto__": 1}'))`, /"__proto__" is the one name/],
      [`record('s', {['f'.repeat(65)]: 1})`, /is 65 characters long; at most 64/],
      [`const o = {}; for (let i = 0; i < 300; i++) o['f' + i] = i; record('s', o)`, /300 fields; at most 256 per event/],
      [`record('a.b', {x: 1})`, /the stream name "a\.b" must start/],
      [`record('s', {t: 'x'.repeat(70000)})`, /field "t": a string of 70000 bytes; at most 65536/],
      [`record('s', {a: new Array(1000001).fill(0)})`, /field "a": an array of 1000001 numbers; at most 1000000/],
      [`record('', {x: 1})`, /the stream name "" must start/],
    ];
    for (const [call, message] of cases) {
      const { stop } = await runScript(engine, `log('first');\n${call};`);
      expect(stop.exitStatus, call).toBe('fail');
      expect(stop.reason, call).toMatch(message);
      expect(stop.reason, call).toMatch(/test\.js:2/);
    }
    const { stop } = await runScript(engine, `record('s-1', {constructor: 1, toString: 2, _a: 3, 'b-c': 4});`);
    expect(stop.exitStatus).toBe('success');
    await lab.disconnect();
  });

  it('refuses progress a client could not be told, failing the script at that line', async () => {
    const { engine, lab } = await engineFor();
    for (const call of ['progress(0.5, 1)', 'progress(-1, 5)', 'progress(1, 1e12)']) {
      const { run, stop } = await runScript(engine, `progress(1, 2);\n${call};`);
      expect(stop.exitStatus, call).toBe('fail');
      expect(stop.reason).toMatch(/progress\(done, total\): both must be whole numbers from 0 to 4294967295/);
      expect(stop.reason).toMatch(/test\.js:2/);
      expect(run.summary().progress).toEqual({ done: 1, total: 2 });
    }
    await lab.disconnect();
  });

  it('plans record a stream with each motor position, setpoint and detector reading', async () => {
    const { engine, documents, lab } = await engineFor();
    const script = `laser.enableEmission(); laser.openShutter();
      const pts = lineScan(stage, [power_meter], { start: 10, stop: 15, num: 11, stream: 'coupling' });
      let best = pts[0];
      for (const p of pts) if (p.readings.power_meter.value > best.readings.power_meter.value) best = p;
      record('best', { position: best.positions.stage });`;
    const { run, stop } = await runScript(engine, script);
    expect(stop).toMatchObject({ exitStatus: 'success', numEvents: { coupling: 11, best: 1 } });
    const descriptor = documents.find((d): d is EventDescriptor => d.kind === 'descriptor' && d.name === 'coupling');
    expect(Object.keys(descriptor?.dataKeys ?? {})).toEqual(['stage', 'stage_setpoint', 'power_meter']);
    expect(descriptor?.dataKeys['stage']).toMatchObject({ units: 'mm', source: 'stage' });
    const best = documents.find((d): d is RunEvent => d.kind === 'event' && d.stream === 'best');
    expect(best?.data['position']).toBeCloseTo(12.5, 5);
    expect(run.summary().progress).toEqual({ done: 11, total: 11 });
    await lab.disconnect();
  });

  it('a plan hands back its points packed: 25,000 fit a script of 20 MB (they once ran it out of memory), and they behave as an array', async () => {
    const { engine, logs, lab } = await engineFor();
    const script = `
      const pts = lineScan(stage, power_meter, { start: 0, stop: 25, num: 25000 });
      pts.forEach(function (p) { p.twice = 2 * p.positions.stage; });
      let sum = 0;
      for (const p of pts) sum += p.twice;
      const last = pts[pts.length - 1];
      log(pts.length, Array.isArray(pts), pts[7] === pts[7], 24999 in pts, 25000 in pts, Math.round(sum), last.index, last.targets.stage, last.readings.power_meter.units);
      log(JSON.stringify(pts.slice(1, 2).map(function (p) { return Object.keys(p).concat(Object.keys(p.readings.power_meter)); })));`;
    const { stop } = await runScript(engine, script, { limits: { maxMemoryMb: 20 } });
    expect(stop).toMatchObject({ exitStatus: 'success', numEvents: { primary: 25000 } });
    expect(logs.map((l) => l.message)).toEqual([
      '25000 true true true false 625000 24999 25 W',
      JSON.stringify([['index', 'targets', 'positions', 'readings', 'twice', 'value', 'timestampS', 'units']]),
    ]);
    await lab.disconnect();
  });

  it('a plan whose points do not fit the script\'s memory names the limit (it said "uncaught exception: null"), and its events are kept', async () => {
    const { engine, lab } = await engineFor();
    const { stop } = await runScript(engine, `const pts = lineScan(stage, power_meter, { start: 0, stop: 25, num: 100000 });`, { limits: { maxMemoryMb: 20 } });
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toMatch(/^script exceeded its memory limit of 20 MB\n {4}at .*test\.js:1/);
    expect(stop.numEvents).toEqual({ primary: 100000 });
    await lab.disconnect();
  });

  it('plans refuse a device without the capability they need', async () => {
    const { engine, lab } = await engineFor();
    const { stop } = await runScript(engine, `lineScan(thermometer, power_meter, {start: 0, stop: 1, num: 2});`);
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toContain('lineScan: thermometer has nothing a scan can set');
    await lab.disconnect();
  });
});

describe('run engine: limits, abort and pause', () => {
  it('stops an infinite loop with the limit named, and runs the next script normally', async () => {
    const { engine, lab } = await engineFor();
    const looping = await runScript(engine, `let i = 0;\nwhile (true) { i++; }`, { limits: { maxOperations: 50 } });
    expect(looping.stop.exitStatus).toBe('fail');
    expect(looping.stop.reason).toMatch(/operation budget of 50/);
    const next = await runScript(engine, `record('ok', {x: 1});`);
    expect(next.stop.exitStatus).toBe('success');
    await lab.disconnect();
  });

  it('stops a memory bomb at the memory limit, and the engine goes on', async () => {
    const { engine, lab } = await engineFor();
    const bomb = await runScript(engine, `const a = [];\nwhile (true) a.push(new Array(100000).fill(1.5));`, { limits: { maxMemoryMb: 32 } });
    expect(bomb.stop.exitStatus).toBe('fail');
    expect(bomb.stop.reason).toMatch(/memory limit of 32 MB/);
    expect((await runScript(engine, `record('ok', {x: 1});`)).stop.exitStatus).toBe('success');
    await lab.disconnect();
  });

  it('abort during a long move stops the stage within 100 ms of simulated time, runs finally, closes the shutter', async () => {
    const lab = `[devices.stage]\ndriver = "sim-stage"\nsettings = { velocity = 10, acceleration = 400 }\n[devices.laser]\ndriver = "sim-laser"\n`;
    const { engine, clock, lab: theLab, logs } = await engineFor({ source: lab, autoAdvance: false });
    const stage = theLab.device('stage');
    const laser = theLab.device('laser');
    if (!isMovable(stage) || !isShutterControl(laser)) throw new Error('lab');
    const run = engine.submit({
      scriptName: 'long.js',
      source: `laser.openShutter();\ntry {\n  stage.moveAbs(50);\n  record('never', {x: 1});\n} finally {\n  log('cleanup ran');\n}`,
    });
    await vi.waitFor(async () => {
      await clock.advance(0.01);
      expect(stage.state).toBe('busy');
    }, { timeout: 30_000, interval: 5 });
    await clock.advance(1);
    const during = await stage.position();
    expect(during).toBeGreaterThan(5);
    expect(during).toBeLessThan(50);
    run.abort('stopped by the user');
    // Simulated time goes on in 10 ms steps until the run has ended (its cleanup and the safe
    // state take simulated time too), however long the abort takes in real time on a loaded
    // machine. "Within 100 ms" is judged by where the stage came to rest: at 10 mm/s it would have
    // gone 1 mm further in 100 ms.
    let ended = false;
    void run.done.then(() => (ended = true));
    await vi.waitFor(async () => {
      await clock.advance(0.01);
      expect(ended).toBe(true);
    }, { timeout: 30_000, interval: 1 });
    const stop = await run.done;
    expect(stop).toMatchObject({ exitStatus: 'abort', reason: 'stopped by the user', numEvents: {} });
    expect(stage.state).toBe('idle');
    const rest = await stage.position();
    await clock.advance(1);
    expect(await stage.position()).toBe(rest);
    expect(rest - during).toBeLessThanOrEqual(10 * 0.1); // mm: stopped within 100 ms of simulated time
    expect(await laser.isShutterOpen()).toBe(false);
    expect(logs.map((l) => l.message)).toContain('cleanup ran');
    await theLab.disconnect();
  });

  it('pause holds the run at its next device call; resume lets it finish', async () => {
    const { engine, clock, documents, lab } = await engineFor({ autoAdvance: false });
    const run = engine.submit({ scriptName: 'p.js', source: `for (let i = 0; i < 3; i++) { record('t', { temp: thermometer.read() }); sleep(1); }` });
    const events = () => documents.filter((d) => d.kind === 'event').length;
    await vi.waitFor(() => expect(events()).toBe(1), { timeout: 30_000, interval: 2 });
    run.pause();
    for (let i = 0; i < 20; i++) await clock.advance(1);
    expect(events()).toBe(1);
    expect(run.state).toBe('paused');
    run.resume();
    let ended = false;
    void run.done.then(() => (ended = true));
    await vi.waitFor(async () => {
      await clock.advance(1);
      expect(ended).toBe(true);
    }, { timeout: 30_000, interval: 5 });
    expect((await run.done).numEvents).toEqual({ t: 3 });
    await lab.disconnect();
  });
});

describe('run engine: queue', () => {
  it('runs queued scripts one after another, in queue order after moves and removals', async () => {
    const { engine, lab } = await engineFor();
    engine.stopQueue();
    const a = engine.submit({ scriptName: 'a.js', source: `log('a')` });
    const b = engine.submit({ scriptName: 'b.js', source: `log('b')` });
    const c = engine.submit({ scriptName: 'c.js', source: `log('c')` });
    engine.move(c.uid, 0);
    engine.remove(b.uid);
    expect(engine.queued().map((r) => r.request.scriptName)).toEqual(['c.js', 'a.js']);
    const order: string[] = [];
    engine.onLog((entry) => order.push(entry.message));
    engine.startQueue();
    await a.done;
    expect(order).toEqual(['c', 'a']);
    // The removed run ended without starting: aborted, kept with the finished runs, its `done` settled.
    expect(engine.finished().map((r) => [r.request.scriptName, r.summary().exitStatus])).toEqual([['b.js', 'abort'], ['c.js', 'success'], ['a.js', 'success']]);
    expect(await b.done).toMatchObject({ exitStatus: 'abort', reason: 'removed from the queue', numEvents: {} });
    expect(engine.run(b.uid).summary()).toMatchObject({ state: 'finished', reason: 'removed from the queue' });
    expect(b.startTimeS).toBeUndefined();
    await lab.disconnect();
  });
});

describe('run engine: a shared queue (claim)', () => {
  it('starts a run only once it is claimed; a claim that says "not now" (or throws) holds the queue until wake()', async () => {
    const { lab, clock } = await engineFor();
    const claims: { uid: string; answer: (taken: boolean | Error) => void }[] = [];
    const engine = new RunEngine(lab, clock, {
      claim: (run) => new Promise<boolean>((resolve, reject) => claims.push({ uid: run.uid, answer: (taken) => (taken instanceof Error ? reject(taken) : resolve(taken)) })),
    });
    const order: string[] = [];
    engine.onLog((entry) => order.push(entry.message));
    const a = engine.submit({ scriptName: 'a.js', source: `log('a')` });
    const b = engine.submit({ scriptName: 'b.js', source: `log('b')` });
    expect(claims.map((c) => c.uid)).toEqual([a.uid]); // one claim at a time, the next run first
    claims[0]?.answer(false);
    await vi.waitFor(() => expect(engine.currentRun).toBeUndefined());
    await new Promise((resolve) => setImmediate(resolve));
    expect([a.state, b.state, claims.length]).toEqual(['queued', 'queued', 1]);
    engine.wake();
    await vi.waitFor(() => expect(claims).toHaveLength(2));
    claims[1]?.answer(new Error('the shared queue cannot be reached'));
    await new Promise((resolve) => setImmediate(resolve));
    expect([a.state, claims.length]).toEqual(['queued', 2]);
    engine.wake();
    await vi.waitFor(() => expect(claims).toHaveLength(3));
    claims[2]?.answer(true);
    await a.done;
    await vi.waitFor(() => expect(claims.map((c) => c.uid)).toEqual([a.uid, a.uid, a.uid, b.uid]));
    claims[3]?.answer(true);
    expect((await b.done).exitStatus).toBe('success');
    expect(order).toEqual(['a', 'b']);
    await lab.disconnect();
  });
});

describe('examples', () => {
  for (const [file, params] of [
    ['examples/simple_scan.js', { steps: 4 }],
    ['examples/triggered_acquisition.js', { frames: 3 }],
    ['examples/multi_instrument.js', {}],
    ['examples/peak_search.ts', {}],
    ['examples/live_scan.js', { sweeps: 2, points: 6 }],
    ['examples/raster_scan.js', {}],
    ['examples/fly_scan.js', { points: 61 }],
    ['examples/async_scan.js', { threshold: 2.5 }],
  ] as const) {
    it(`${file} passes \`daq check\` and runs to success on the simulated lab`, async () => {
      const { engine, lab } = await engineFor();
      const source = await readFile(file, 'utf8');
      expect(checkScript(source, file, labDeclarations(lab))).toEqual([]);
      const { stop } = await runScript(engine, source, { scriptName: file, params });
      expect(stop.reason).toBe('');
      expect(stop.exitStatus).toBe('success');
      expect(Object.values(stop.numEvents).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      await lab.disconnect();
    });
  }
});

describe('a run on instant devices', () => {
  const LAB = `
[devices.stage]
driver = "sim-stage"
max = 1000
velocity = 1e9
acceleration = 1e15
settle_time = 0
[devices.laser]
driver = "sim-laser"
[devices.power_meter]
driver = "sim-power-meter"
averaging_time = 0
`;

  async function turnsDuringPlan(yieldEveryMs: number): Promise<number> {
    const clock = createSystemClock();
    const lab = Lab.create(parseLabConfig(LAB, 'instant.toml', DRIVERS), DRIVERS, clock);
    await lab.connect();
    const engine = new RunEngine(lab, clock, { yieldEveryMs });
    let turns = 0;
    const seen: number[] = [];
    engine.onDocument(({ document }) => {
      if (document.kind === 'event') seen.push(turns);
    });
    const tick = (): void => {
      turns++;
      timer = setImmediate(tick);
    };
    let timer = setImmediate(tick);
    const stop = await engine.submit({ scriptName: 'scan.js', source: 'lineScan(stage, power_meter, { start: 0, stop: 10, num: 2000, returnPoints: false });' }).done;
    clearImmediate(timer);
    await lab.disconnect();
    expect(stop.exitStatus).toBe('success');
    expect(seen).toHaveLength(2000);
    return (seen.at(-1) as number) - (seen[0] as number);
  }

  it('gives the event loop turns during a plan whose device calls resolve at once, when told to (yieldEveryMs)', async () => {
    expect(await turnsDuringPlan(0)).toBeGreaterThan(0);
  });
});
