/**
 * The web dashboard in a real browser (Debian's chromium driven by playwright-core) against a real
 * daemon on a simulated lab, as a scientist uses it: log in, see the devices (and why one is
 * faulted), move the stage, see a type error in the editor before running, run a scan from the
 * editor and watch its plot grow, watch the camera, read the run history, scrub the timeline back
 * to a chosen moment and see that moment's value, and as an observer be unable to start a run.
 * The tab can close during a run (the run goes on), and the page reconnects by itself after the
 * daemon restarts. Any page error or console error fails the test that saw it. Screenshots of
 * each step go to test-output/dashboard/steps/ for review; the figures it measures (camera fps,
 * draw and redraw times) are printed, never asserted. The screens themselves (layout at two
 * window sizes, the docs' screenshots) are checked by dashboard-screens.browser.test.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, followRun, ROOT, startDaemonProcess, TestProcesses, writeTokens } from './daemon.fixture.js';
import { launchChromium, overflowsWidth, overlaps, PageProblems } from './dashboard.fixture.js';
import { ControlService } from './gen/daq/v1/control_pb.js';
import { HardwareService } from './gen/daq/v1/hardware_pb.js';
import { readStreamRange } from './range-client.js';

const SHOTS = join(ROOT, 'test-output/dashboard/steps');

/** Waits for the page to get there (up to 10 s: two cores are shared with the daemon and chromium). */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const OPERATOR = 'operator-token-0123456789';
const OBSERVER = 'observer-token-0123456789';
const ADMIN = 'admin-token-0123456789012';

/** The lab: a fast stage, a laser and power meter, a small camera, and a camera that faults at connect (a setting it cannot take). */
const LAB = `[lab]
name = "dashboard test lab"

[devices.stage]
driver = "sim-stage"
min = 0
max = 100
settings = { velocity = 100, acceleration = 2000 }

[devices.laser]
driver = "sim-laser"
warmup_time = 0

[devices.power_meter]
driver = "sim-power-meter"
laser = "laser"
stage = "stage"
peak_position = 5

[devices.camera]
driver = "sim-camera"
width = 256
height = 256

[devices.thermometer]
driver = "sim-thermometer"

# Faults at connect: its 2x2 px sensor cannot be binned 3x3.
[devices.broken_camera]
driver = "sim-camera"
width = 2
height = 2
settings = { binning = 3 }
`;

/** A scan slow enough to watch: `steps` points, `dwell` s each. */
const SCAN = `const steps = Number(params.steps ?? 10);
const dwell = Number(params.dwell ?? 0.1);
for (let i = 0; i < steps; i++) {
  stage.moveAbs(i);
  sleep(dwell);
  record('scan', { position: stage.position(), power: power_meter.read(), step: i });
  progress(i + 1, steps);
}
log('scan done');
`;

describe('the web dashboard in chromium', () => {
  const processes = new TestProcesses();
  let browser: Browser;
  let daemon: DaemonProcess;
  let dir: string;
  let tokens: string;
  let url: string;

  /** Page errors, console errors and files asked for that are not there: each test that saw one fails (afterEach). */
  const problems = new PageProblems();
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  const login = async (token: string): Promise<Page> => {
    const page = problems.watch(await browser.newPage({ viewport: { width: 1280, height: 860 } }));
    page.setDefaultTimeout(60_000); // each action; a loaded machine is slow
    await page.goto(url);
    await page.locator('#token').fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#lab-name').getByText('dashboard test lab').waitFor();
    return page;
  };

  const tab = (page: Page, name: string) => page.locator(`button.tab[data-tab="${name}"]`).click();

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    dir = await processes.labDir();
    await writeFile(join(dir, 'lab.toml'), LAB);
    tokens = await writeTokens(dir, [
      { name: 'olivia', role: 'operator', token: OPERATOR },
      { name: 'otto', role: 'observer', token: OBSERVER },
      { name: 'ada', role: 'admin', token: ADMIN },
    ]);
    daemon = await startDaemonProcess(processes, dir, { http: true, tokensFile: tokens });
    const [, dashboard = ''] = await daemon.proc.waitFor(/dashboard: (http:\/\/\S+)\n/, 'stderr');
    url = dashboard;
    browser = await launchChromium();
  }, 120_000);

  afterEach(() => {
    expect(problems.take()).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await processes.cleanup();
  });

  it('asks for a token, then shows the devices with their state, and why one is faulted', async () => {
    const page = problems.watch(await browser.newPage());
    page.setDefaultTimeout(60_000); // each action; a loaded machine is slow
    await page.goto(url);
    await page.locator('#login').waitFor();
    await page.locator('#token').fill('not-a-valid-token-at-all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That token was not accepted.').waitFor();
    await page.close();

    const operator = await login(OPERATOR);
    const stage = operator.locator('article[data-device="stage"]');
    await eventually(() => stage.locator('.badge').textContent()).toBe('idle');
    await eventually(() => operator.locator('article.card').count()).toBe(6);
    const broken = operator.locator('article[data-device="broken_camera"]');
    await eventually(() => broken.locator('.fault').textContent()).toMatch(/^Faulted: .*smaller than the binning 3x3/);
    await eventually(() => operator.locator('[data-live="thermometer"]').textContent()).toMatch(/^\d+\.\d{3} °C$/);
    await shot(operator, 'devices');
    await operator.close();
  }, 120_000);

  it('moves the stage from its card', async () => {
    const page = await login(OPERATOR);
    const stage = page.locator('article[data-device="stage"]');
    await stage.locator('[data-input="target"]').fill('7.5');
    await stage.getByRole('button', { name: 'Move to' }).click();
    await eventually(() => stage.locator('.message').textContent()).toBe('move stage: done');
    await eventually(() => stage.locator('[data-position="stage"]').textContent()).toMatch(/^position 7\.5000 mm \(limits 0\.0000 mm to 100\.00 mm\)/);
    // What each device reads back, with units and SI prefixes, on its card.
    await eventually(() => page.locator('[data-values="laser"]').textContent()).toMatch(/^wavelength \d+\.\d{2} nm · shutter (open|closed) · emission (on|off)$/);
    await page.close();
  }, 120_000);

  it('saves the current settings as a preset, lists it, and applies it after a change, saying what changed', async () => {
    const client = daemon.client(OPERATOR);
    const moveStage = (value: number) => client.call(HardwareService.method.moveDevice, { device: 'stage', target: { case: 'absolute', value } });
    await moveStage(12);
    const page = await login(OPERATOR);
    const message = () => page.locator('#preset-message').textContent();
    await page.locator('#preset-name').fill('focus-12');
    await page.locator('#preset-note').fill('on the fibre');
    await page.locator('#preset-save').click();
    await eventually(message).toMatch(/^saved preset focus-12: \d+ values of stage, laser, power_meter, camera\n {2}left out broken_camera: faulted/);
    const row = page.locator('#preset-rows tr[data-preset="focus-12"]');
    await eventually(() => row.textContent()).toMatch(/^focus-12\d{4}-\d\d-\d\dT[\d:]+oliviastage, laser, power_meter, cameraon the fibre/);
    await page.locator('#preset-save').click();
    await eventually(message).toMatch(/preset "focus-12" exists \(saved \S+ by olivia\); replace it with --force/);

    await moveStage(40);
    await row.getByRole('button', { name: 'Apply' }).click();
    await eventually(message).toMatch(/^preset focus-12: set 1 value, \d+ already as saved\n {2}stage\.position 40\.0+ mm → 12\.0+ mm$/);
    const stage = (await client.call(HardwareService.method.listDevices, {})).devices.find((d) => d.name === 'stage');
    expect(stage?.position).toBe(12);
    await shot(page, 'presets');
    await page.close();
  }, 120_000);

  it('underlines a bad device call before running, then runs a scan from the editor and the plot grows', async () => {
    const page = await login(OPERATOR);
    // Nothing recorded yet: the plot says so instead of showing an empty box.
    await tab(page, 'plots');
    await eventually(() => page.locator('#plot-chart-empty').textContent()).toBe('nothing recorded in the ring yet: run an experiment');
    expect(await page.locator('#plot-chart-empty').isVisible()).toBe(true);
    await tab(page, 'editor');
    const editor = page.locator('#script-editor .cm-content');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('stage.moveAbs(1);\ncamera.moveAbs(2);\n');
    await page.locator('.cm-lintRange-error').first().waitFor();
    await eventually(() => page.locator('#script-problems').textContent()).toMatch(/2:8 Property 'moveAbs' does not exist on type 'Device & Triggerable & FrameProducer/);
    await eventually(() => page.locator('.cm-lintRange-error').count()).toBe(1);
    expect(await page.locator('.cm-lintRange-error').textContent()).toBe('moveAbs');
    // Completion from the lab's declarations: the stage's methods after "stage."
    await page.keyboard.insertText('stage.');
    await page.keyboard.press('Control+Space');
    await page.locator('.cm-tooltip-autocomplete').getByText('waitSettled', { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await shot(page, 'editor-type-error');
    // Run is refused by the daemon's check before anything moves, and the page says why and where.
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('stage.moveAbs(1);\ncamera.moveAbs(2);\n');
    await page.locator('#script-run').click();
    await eventually(() => page.locator('#editor-message').textContent()).toMatch(/^scan\.js was not run: the type check against the lab "dashboard test lab" found 1 problem \(no device was touched;/);
    expect(await page.locator('#editor-message').getAttribute('class')).toBe('message error');
    expect(await page.locator('#editor-message').innerText()).toMatch(/\n\s*scan\.js:2:8: Property 'moveAbs' does not exist on type 'Device & Triggerable/);
    await shot(page, 'editor-run-refused');
    await editor.click();

    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(SCAN);
    await eventually(() => page.locator('#script-problems').textContent()).toBe('no problems');
    await page.locator('#script-params').fill('steps=30\ndwell=0.08');
    await page.locator('#script-run').click();
    await eventually(() => page.locator('#editor-message').textContent()).toMatch(/^started run /);
    await tab(page, 'plots');
    const points = async () => Number((await page.locator('#plot-chart').getAttribute('data-points')) ?? 0);
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    const early = await points();
    await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(early + 5);
    await shot(page, 'plots-live');
    await tab(page, 'editor');
    await expect.poll(() => page.locator('#run-info').getAttribute('data-state'), { timeout: 60_000 }).toBe('finished');
    expect(await page.locator('#run-info').textContent()).toMatch(/success.*events scan: 30/);
    await eventually(() => page.locator('#run-log').textContent()).toMatch(/scan done/);
    // The finished run's values, with units: its last 10 events of 30.
    const values = page.locator('#run-values table[data-stream="scan"]');
    await eventually(() => values.locator('tbody tr').count()).toBe(10);
    expect(await page.locator('#run-values h4').first().textContent()).toBe('scan: 30 events (the last 10)');
    expect(await values.locator('thead').textContent()).toBe('#positionpowerstep');
    expect(await values.locator('tbody tr').last().locator('td[data-field="position"]').textContent()).toMatch(/^29\.\d+ mm$/);
    expect(await values.locator('tbody tr').last().locator('td[data-field="power"]').textContent()).toMatch(/^-?\d+\.\d+ [pnµm]?W$/);
    await shot(page, 'editor-run');
    await tab(page, 'plots');
    await eventually(points).toBe(30);
    // Axes in units, with readable SI-prefixed ticks (the power is around a µW: never a column of 0s).
    const chartBox = page.locator('#plot-chart');
    await page.locator('#plot-y').selectOption('power');
    await page.locator('#plot-x').selectOption('position');
    await eventually(() => chartBox.getAttribute('data-x-title')).toBe('position (mm)');
    expect(await chartBox.getAttribute('data-y-title')).toBe('power (W)');
    const yTicks = ((await chartBox.getAttribute('data-y-ticks')) ?? '').split('|');
    expect(yTicks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(yTicks).size).toBe(yTicks.length);
    for (const tick of yTicks) expect(tick).toMatch(/^-?\d+(\.\d+)? [pnµm]?W$/);
    expect(((await chartBox.getAttribute('data-x-ticks')) ?? '').split('|').every((t) => / mm$/.test(t))).toBe(true);
    // The cursor read-out says both values with units.
    const box = await page.locator('#plot-chart .u-over').boundingBox();
    if (box === null) throw new Error('no plot area');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await eventually(() => page.locator('#plot-chart-readout').textContent()).toMatch(/^position -?\d+\.\d+ mm · power -?\d+\.\d+ [pnµm]?W$/);
    // Each run's line is named by its script and start time.
    expect(await page.locator('#plot-chart .u-legend').textContent()).toMatch(/scan\.js · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    await page.locator('#plot-x').selectOption('elapsed');
    await page.locator('#plot-y').selectOption('position');
    console.log(`dashboard: plot of 30 points redraws in ${Number(await page.locator('#plot-chart').getAttribute('data-redraw-ms')).toFixed(2)} ms`);
    await tab(page, 'runs');
    const row = page.locator('#history-rows tr').first();
    await eventually(() => row.textContent()).toMatch(/scan\.js.*finished.*success.*olivia.*scan: 30/);
    // The run's HDF5 file, downloaded through ExportRun.
    const [h5] = await Promise.all([page.waitForEvent('download'), row.locator('button.hdf5').click()]);
    expect(h5.suggestedFilename()).toMatch(/\.h5$/);
    const file = await readFile((await h5.path()) ?? '');
    expect(file.subarray(0, 8).toString('latin1')).toBe('\x89HDF\r\n\x1a\n');
    await shot(page, 'runs');
    // Opening an old run plots it (from the ring), alone.
    await row.getByRole('button', { name: 'Plot' }).click();
    await eventually(() => page.locator('#plot-info').textContent()).toMatch(/^30 points in 1 run\(s\)/);
    await page.close();
  }, 180_000);

  it('shows a grid scan as a live 2-D map with a colour bar, axes in units', async () => {
    const client = daemon.client(OPERATOR);
    const source = `laser.enableEmission();
laser.openShutter();
try {
  gridScan(stage, laser.wavelength, power_meter, { outer: { start: 2, stop: 8, num: 4 }, inner: { start: 760, stop: 840, num: 3 }, snake: true });
} finally {
  laser.closeShutter();
  laser.disableEmission();
}
`;
    const run = (await client.call(ControlService.method.startRun, { script: { case: 'inline', value: { name: 'grid.js', source } } })).run;
    await followRun(client, run?.uid ?? '');
    const page = await login(OPERATOR);
    await tab(page, 'plots');
    await eventually(async () => (await page.locator('#plot-stream option').allTextContents()).includes('primary')).toBe(true);
    await page.locator('#plot-stream').selectOption('primary');
    await eventually(async () => (await page.locator('#plot-y option').allTextContents()).includes('power_meter')).toBe(true);
    await page.locator('#plot-y').selectOption('power_meter');
    await page.locator('#plot-x').selectOption('stage');
    await page.locator('#plot-view').selectOption('map');
    await page.locator('#plot-y2').selectOption('laser_wavelength');
    const map = page.locator('#plot-chart-map');
    // 4 stage positions x 3 wavelengths: every cell measured once, none drawn as a line back along 0.
    await eventually(() => map.getAttribute('data-measured')).toBe('12');
    expect(await map.getAttribute('data-columns')).toBe('4');
    expect(await map.getAttribute('data-rows')).toBe('3');
    expect(await map.getAttribute('data-x-title')).toBe('stage (mm)');
    expect(await map.getAttribute('data-y-title')).toBe('laser_wavelength (nm)');
    expect(await map.getAttribute('data-z-title')).toBe('power_meter (W)');
    const zTicks = ((await map.getAttribute('data-z-ticks')) ?? '').split('|');
    expect(zTicks.length).toBeGreaterThanOrEqual(2);
    for (const tick of zTicks) expect(tick).toMatch(/^-?\d+(\.\d+)? [pnµm]?W$/);
    expect(await page.locator('#plot-chart-empty').isVisible()).toBe(false);
    // The cell under the cursor, with units.
    const box = await map.boundingBox();
    if (box === null) throw new Error('no map');
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
    await eventually(() => page.locator('#plot-chart-map-readout').textContent()).toMatch(/^stage -?\d+\.\d+ mm · laser_wavelength \d+\.\d+ nm · power_meter -?\d+\.\d+ [pnµm]?W$/);
    await shot(page, 'plots-map');
    await page.close();
  }, 120_000);

  it('previews the camera live with its frame rate shown', async () => {
    const page = await login(OPERATOR);
    await tab(page, 'camera');
    await eventually(() => page.locator('#camera-device').inputValue()).toBe('camera');
    await page.locator('#camera-rate').selectOption('20');
    await page.locator('#camera-start').click();
    await eventually(() => page.locator('#camera-message').textContent()).toBe('start camera: done');
    const stats = page.locator('#camera-stats');
    await expect.poll(async () => Number((await stats.getAttribute('data-frames')) ?? 0), { timeout: 60_000 }).toBeGreaterThanOrEqual(20);
    expect(await stats.textContent()).toMatch(/fps · draw .* ms · 256×256/);
    console.log(`dashboard: camera 256x256 at 20 fps asked: ${await stats.textContent()}`);
    // Sensor-pixel axes and a colour bar in counts; auto contrast spans the frame.
    expect(await page.locator('#camera-x-axis').getAttribute('data-ticks')).toBe('0|50|100|150|200|250');
    const bar = page.locator('#camera-colour-bar');
    expect(Number(await bar.getAttribute('data-high'))).toBeGreaterThan(Number(await bar.getAttribute('data-low')));
    // Pixels at or above the saturation level are marked and counted.
    expect(await stats.getAttribute('data-saturated')).toBe('0');
    await page.locator('#camera-saturation').fill(String(await bar.getAttribute('data-high')));
    await eventually(async () => Number(await stats.getAttribute('data-saturated'))).toBeGreaterThan(0);
    await eventually(() => stats.textContent()).toMatch(/ px saturated$/);
    await page.locator('#camera-saturation').fill('65535');
    await shot(page, 'camera');
    // Drag a rectangle over the middle half of the image: the camera's ROI becomes that region.
    const box = await page.locator('#camera-overlay').boundingBox();
    if (box === null) throw new Error('no camera image');
    await page.mouse.move(box.x + box.width / 4, box.y + box.height / 4);
    await page.mouse.down();
    await page.mouse.move(box.x + (box.width * 3) / 4, box.y + (box.height * 3) / 4, { steps: 4 });
    await page.mouse.up();
    await eventually(() => page.locator('#camera-message').textContent()).toBe('ROI 128×128 at 64,64: done');
    const client = daemon.client(OPERATOR);
    const camera = async () => (await client.call(HardwareService.method.listDevices, {})).devices.find((d) => d.name === 'camera')?.camera;
    expect(await camera()).toMatchObject({ roiX: 64, roiY: 64, roiWidth: 128, roiHeight: 128 });
    await eventually(() => stats.textContent()).toMatch(/ 128×128 /);
    await page.locator('#camera-full-roi').click();
    await eventually(async () => (await camera())?.roiWidth).toBe(256);
    await page.locator('#camera-stop').click();
    await eventually(() => page.locator('#camera-message').textContent()).toBe('stop camera: done');
    const state = async () => (await client.call(HardwareService.method.listDevices, {})).devices.find((d) => d.name === 'camera')?.state;
    expect(await state()).toBe('idle');
    // Started from a tab that then closes: the daemon stops the camera.
    await page.locator('#camera-start').click();
    await eventually(() => page.locator('#camera-message').textContent()).toBe('start camera: done');
    expect(await state()).toBe('busy');
    await page.close();
    await eventually(state).toBe('idle');
  }, 120_000);

  it('scrubs the timeline back to a chosen moment and shows the value of that moment', async () => {
    const client = daemon.client(OPERATOR);
    const table = tableFromIPC((await readStreamRange(client, { stream: 'scan' }))[0] as Uint8Array);
    const times = table.getChild('time')?.toArray() as Float64Array;
    const positions = table.getChild('position')?.toArray() as Float64Array;
    expect(times.length).toBe(30);
    // A moment between the 11th and 12th points: the value then is the 11th point's.
    const k = 10;
    const moment = ((times[k] as number) + (times[k + 1] as number)) / 2;
    const page = await login(OPERATOR);
    await tab(page, 'time');
    await page.locator('#tt-stream').selectOption('scan');
    await page.locator('#tt-time').fill(moment.toFixed(6));
    await page.locator('#tt-go').click();
    const value = page.locator('#tt-values tr[data-field="position"] td');
    await eventually(() => value.getAttribute('data-value')).toBe(String(positions[k]));
    expect(await page.locator('#tt-cursor').getAttribute('data-time')).toBe(String(Number(moment.toFixed(6))));
    await shot(page, 'time-travel');
    // The window before the cursor as CSV: the rows up to that moment.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('#tt-export-csv').click()]);
    expect(csv.suggestedFilename()).toMatch(/^scan-.*\.csv$/);
    const lines = (await readFile((await csv.path()) ?? '', 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('run_uid,seq_num,time,position,power,step');
    expect(lines).toHaveLength(1 + k + 1);
    expect(lines.at(-1)?.split(',')[3]).toBe(String(positions[k]));
    // Replay from there at 10x: the cursor moves on by itself.
    await page.locator('#tt-speed').selectOption('10');
    await page.locator('#tt-play').click();
    await eventually(async () => Number(await page.locator('#tt-cursor').getAttribute('data-time'))).toBeGreaterThan(moment + 0.5);
    await page.locator('#tt-play').click();
    await page.close();
  }, 120_000);

  it('reorders and removes queued runs (admin)', async () => {
    const client = daemon.client(ADMIN);
    await client.call(ControlService.method.stopQueue, {});
    const uids: string[] = [];
    for (const name of ['first.js', 'second.js', 'third.js']) {
      uids.push((await client.call(ControlService.method.startRun, { script: { case: 'inline', value: { name, source: "log('queued');\n" } } })).run?.uid ?? '');
    }
    const page = await login(ADMIN);
    await tab(page, 'runs');
    const scripts = () => page.locator('#queue-rows tr td:nth-child(3)').allTextContents();
    await eventually(scripts).toEqual(['first.js', 'second.js', 'third.js']);
    await page.locator(`#queue-rows tr[data-run="${uids[0]}"]`).getByTitle('later').click();
    await eventually(scripts).toEqual(['second.js', 'first.js', 'third.js']);
    await page.locator(`#queue-rows tr[data-run="${uids[2]}"]`).getByRole('button', { name: 'Remove' }).click();
    await eventually(scripts).toEqual(['second.js', 'first.js']);
    expect((await client.call(ControlService.method.listQueue, {})).runs.map((r) => r.scriptName)).toEqual(['second.js', 'first.js']);
    await page.getByRole('button', { name: 'Start queue' }).click();
    await eventually(() => page.locator('#queue-rows').textContent()).toBe('the queue is empty');
    await page.close();
  }, 120_000);

  it('lets an observer see everything but start nothing, and says why', async () => {
    const page = await login(OBSERVER);
    await page.locator('#observer-notice').getByText('every command is disabled').waitFor();
    await tab(page, 'editor');
    const run = page.locator('#script-run');
    expect(await run.isDisabled()).toBe(true);
    expect(await run.getAttribute('title')).toBe('needs the operator role; you are observer');
    expect(await page.locator('#editor-locked').textContent()).toMatch(/disabled: needs the operator role; you are observer/);
    await tab(page, 'devices');
    const move = page.locator('article[data-device="stage"]').getByRole('button', { name: 'Move to' });
    expect(await move.isDisabled()).toBe(true);
    await shot(page, 'observer');
    await page.close();
  }, 120_000);

  it('shows a suspended run and why in the header, until it goes on by itself', async () => {
    const client = daemon.client(OPERATOR);
    const page = await login(OPERATOR);
    // The laser's emission is off: the run is suspended from the declaration until it is on.
    const source = "suspendWhen(laser, { method: 'isEmissionEnabled', equals: false, settle: 0.2 });\nrecord('after', { p: power_meter.read() });\n";
    const { run } = await client.call(ControlService.method.startRun, { script: { case: 'inline', value: { name: 'suspended.js', source } } });
    await eventually(() => page.locator('#current-run').textContent()).toMatch(/^suspended \(laser\.isEmissionEnabled\(\) equal to false: it is false\) suspended\.js/);
    await shot(page, 'suspended');
    // The header's long reason neither runs over the rest nor widens the page.
    expect(await overlaps(page)).toEqual([]);
    expect(await overflowsWidth(page)).toBeUndefined();
    // A device command meanwhile is refused in the dashboard's words (the box to tick, not the API flag).
    await tab(page, 'devices');
    const stage = page.locator('article[data-device="stage"]');
    await stage.getByRole('button', { name: 'Move to' }).click();
    await eventually(() => stage.locator('.message').textContent()).toMatch(/^move stage: run [\w-]+ \(suspended\.js\) holds the lab: tick "take over from a running run" above to command stage anyway \(the run may then fail\)$/);
    await client.call(HardwareService.method.setEmission, { device: 'laser', enabled: true, takeOver: true });
    const followed = await followRun(client, run?.uid ?? '');
    expect(followed.stop?.exitStatus).toBe(1); // success
    expect(followed.events.map((e) => e.data['suspended']?.kind.value)).toEqual([true, false, undefined]);
    await client.call(HardwareService.method.setEmission, { device: 'laser', enabled: false });
    await page.close();
  }, 120_000);

  it('closing the tab during a run does not touch the run', async () => {
    const page = await login(OPERATOR);
    await tab(page, 'editor');
    await page.locator('#script-editor .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(SCAN);
    await page.locator('#script-params').fill('steps=10\ndwell=0.1');
    await page.locator('#script-run').click();
    await eventually(() => page.locator('#run-info').getAttribute('data-run')).toMatch(/\w+/);
    const uid = (await page.locator('#run-info').getAttribute('data-run')) ?? '';
    await page.close();
    const followed = await followRun(daemon.client(OPERATOR), uid);
    expect(followed.stop?.exitStatus).toBe(1); // success
    expect(followed.events).toHaveLength(10);
  }, 120_000);

  it('says it is disconnected while the daemon restarts, and reconnects by itself', async () => {
    const page = await login(OPERATOR);
    const badge = page.locator('#connection');
    await eventually(() => badge.textContent()).toBe('connected');
    const port = new URL(url).port;
    const stopping = daemon.proc;
    await Promise.race([
      stopping.stop(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`the daemon did not exit 60 s after SIGTERM; its log ends:\n${stopping.stderr.slice(-3000)}`)), 60_000).unref()),
    ]);
    await expect.poll(() => badge.textContent(), { timeout: 60_000 }).toMatch(/^disconnected/);
    await shot(page, 'disconnected');
    daemon = await startDaemonProcess(processes, dir, { tokensFile: tokens, args: ['--http-listen', `127.0.0.1:${port}`] });
    await expect.poll(() => badge.textContent(), { timeout: 60_000 }).toBe('connected');
    await page.close();
  }, 180_000);

  it('plots a finished run from its HDF5 file once the ring no longer holds it', async () => {
    // The daemon restarted (above): its new ring is empty, the earlier runs are in their files.
    const page = await login(OPERATOR);
    await tab(page, 'runs');
    const row = page.locator('#history-rows tr', { hasText: 'scan: 30' }).last();
    await row.getByRole('button', { name: 'Plot' }).click();
    await eventually(() => page.locator('#plot-info').getAttribute('data-source')).toBe('file');
    expect(await page.locator('#plot-info').textContent()).toMatch(/^30 points in 1 run\(s\).* · from the run's HDF5 file \(no longer in the ring\)$/);
    await page.locator('#plot-y').selectOption('power');
    await page.locator('#plot-x').selectOption('position');
    const chartBox = page.locator('#plot-chart');
    await eventually(() => chartBox.getAttribute('data-x-title')).toBe('position (mm)');
    expect(await chartBox.getAttribute('data-y-title')).toBe('power (W)');
    expect(await chartBox.getAttribute('data-points')).toBe('30');
    await shot(page, 'plots-from-file');
    await page.close();
  }, 120_000);
});
