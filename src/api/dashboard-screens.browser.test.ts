/**
 * The dashboard's screens as a user sees them, in chromium against a real daemon: a device card
 * follows the stage while a run moves it (never a stale position), the run history says when,
 * how long, who and with what (script, parameters, metadata), the timeline's labels stay
 * readable with runs close together, values and frame at the cursor are of the same moment, and
 * every screen, at 1400×900 and at a laptop's 1366×768, has no text over other text or a control
 * and no empty plot. Any page error or console error fails the test that saw it. The 1400×900
 * screenshots of each screen are the ones in docs/dashboard/ (`make screenshots`).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, followRun, ROOT, startDaemonProcess, TestProcesses, writeTokens } from './daemon.fixture.js';
import { canvasColours, launchChromium, overflowsWidth, overlaps, PageProblems, SHOTS } from './dashboard.fixture.js';
import { ControlService, RunState } from './gen/daq/v1/control_pb.js';
import { formatDuration } from '../core/format/index.js';

const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000 });
const OPERATOR = 'operator-token-0123456789';

/** A stage slow enough to watch move (5 mm/s), a laser and power meter, a camera, a thermometer, a DAQ card. */
const LAB = `[lab]
name = "screens lab"

[devices.stage]
driver = "sim-stage"
min = 0
max = 100
settings = { velocity = 5, acceleration = 50 }

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
width = 128
height = 128

[devices.thermometer]
driver = "sim-thermometer"

[devices.daq]
driver = "sim-daq-card"
`;

/** Moves the stage `steps` times by `by` mm (slowly: 5 mm/s), a point after each move, a frame every `frameEvery` points. */
const SCAN = `const steps = Number(params.steps ?? 5);
const by = Number(params.by ?? 4);
const frameEvery = Number(params.frame_every ?? 0);
for (let i = 1; i <= steps; i++) {
  stage.moveAbs(i * by);
  record('scan', { position: stage.position(), power: power_meter.read(), step: i });
  if (frameEvery > 0 && i % frameEvery === 0) record('frames', { position: stage.position(), image: camera.snap() });
  progress(i, steps);
}
log('scan done');
`;

/** The two window sizes every screen is checked at: the docs' and a laptop's. */
const SIZES = [
  { width: 1400, height: 900 },
  { width: 1366, height: 768 },
] as const;

describe('the dashboard screens in chromium', () => {
  const processes = new TestProcesses();
  const problems = new PageProblems();
  let browser: Browser;
  let daemon: DaemonProcess;
  let url: string;

  const login = async (size: { width: number; height: number } = SIZES[0]): Promise<Page> => {
    const page = problems.watch(await browser.newPage({ viewport: size }));
    page.setDefaultTimeout(60_000); // each action; a loaded machine is slow
    await page.goto(url);
    await page.locator('#token').fill(OPERATOR);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#lab-name').getByText('screens lab').waitFor();
    return page;
  };
  const tab = (page: Page, name: string) => page.locator(`button.tab[data-tab="${name}"]`).click();
  const start = async (params: Record<string, number>, metadata: Record<string, string> = {}, name = 'scan.js') => {
    const client = daemon.client(OPERATOR);
    const toValue = (v: number | string) => ({ kind: typeof v === 'number' ? { case: 'number' as const, value: v } : { case: 'text' as const, value: v } });
    const { run } = await client.call(ControlService.method.startRun, {
      script: { case: 'inline', value: { name, source: SCAN } },
      params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, toValue(v)])),
      metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, toValue(v)])),
    });
    return run?.uid ?? '';
  };
  const runState = async (uid: string) => (await daemon.client(OPERATOR).call(ControlService.method.getRun, { uid })).run?.state;

  beforeAll(async () => {
    const dir = await processes.labDir();
    await writeFile(join(dir, 'lab.toml'), LAB);
    const tokens = await writeTokens(dir, [{ name: 'olivia', role: 'operator', token: OPERATOR }]);
    daemon = await startDaemonProcess(processes, dir, { http: true, tokensFile: tokens });
    const [, dashboard = ''] = await daemon.proc.waitFor(/dashboard: (http:\/\/\S+)\n/, 'stderr');
    url = dashboard;
    browser = await launchChromium();
  }, 120_000);

  afterEach(() => {
    // Any page error, console error or missing file a page of this test saw fails it.
    expect(problems.take()).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await processes.cleanup();
  });

  it('has probes that find overlapping text, a page too wide and an empty canvas (else the checks below could not fail)', async () => {
    const page = problems.watch(await browser.newPage({ viewport: SIZES[1] }));
    await page.setContent(`<body style="margin:0;font:14px sans-serif">
      <div style="position:absolute;left:10px;top:10px">a label</div><div style="position:absolute;left:20px;top:12px">another label</div>
      <button style="position:absolute;left:10px;top:60px">Move</button><span style="position:absolute;left:14px;top:62px">over it</span>
      <div style="position:absolute;left:10px;top:120px;height:20px;overflow:hidden">shown<br>scrolled out</div><div style="position:absolute;left:10px;top:142px">below</div>
      <details style="position:absolute;left:300px;top:10px"><summary>closed</summary><div style="position:absolute;top:0">hidden text</div></details>
      <canvas id="blank" width="50" height="50" style="position:absolute;left:400px;top:200px"></canvas>
      <canvas id="drawn" width="50" height="50" style="position:absolute;left:500px;top:200px"></canvas>
      <script>const c = document.getElementById('drawn').getContext('2d'); c.fillStyle = 'red'; c.fillRect(10, 10, 20, 20); c.fillStyle = 'blue'; c.fillRect(25, 25, 20, 20);</script>
    </body>`);
    const found = await overlaps(page);
    // The two labels; the span over the button (over its text, and over the button itself).
    expect(found.map((f) => f.replace(/ \(.*/, '')), found.join('\n')).toEqual(['"a label" in div overlaps "another label" in div', '"Move" in button overlaps "over it" in span', '"over it" in span overlaps button']);
    expect(await overflowsWidth(page)).toBeUndefined();
    await page.setViewportSize({ width: 300, height: 400 });
    expect(await overflowsWidth(page)).toMatch(/^the page is \d+ px wider than the window/);
    expect(await canvasColours(page, '#blank')).toBe(1);
    expect(await canvasColours(page, '#drawn')).toBeGreaterThanOrEqual(3);
    // A console error and an uncaught exception are problems (the afterEach check fails on them).
    await Promise.all([page.waitForEvent('console'), page.evaluate('console.error("the plot has no data")')]);
    await Promise.all([page.waitForEvent('pageerror'), page.evaluate("setTimeout(() => { throw new TypeError(\"Cannot read properties of undefined (reading 'facets')\"); })")]);
    expect(problems.take()).toEqual(['console error: the plot has no data', "page error: TypeError: Cannot read properties of undefined (reading 'facets')"]);
    await page.close();
  });

  let movingRun = '';

  it('shows on the stage card where the stage is and that it is busy while a run moves it', async () => {
    const page = await login(SIZES[1]);
    const card = page.locator('article[data-device="stage"]');
    await eventually(() => card.locator('[data-position="stage"]').textContent()).toMatch(/^position 0\.0+ mm/);
    const power = page.locator('[data-live="power_meter"]');
    await eventually(() => power.textContent()).toMatch(/ [pnµm]?W$/);
    const powerBefore = await power.textContent();
    // 8 moves of 4 mm at 5 mm/s: over 6 s of motion, a frame after each.
    const uid = (movingRun = await start({ steps: 8, by: 4, frame_every: 1 }, { sample: 'GaAs-17', note: 'focus on the fibre' }));
    const shown = async (): Promise<number> => Number(/^position (-?\d+(?:\.\d+)?) mm/.exec((await card.locator('[data-position="stage"]').textContent()) ?? '')?.[1] ?? NaN);
    // While the run goes on, the card shows the stage between its start and its end, and busy (the
    // header: running, with progress), and the power meter's card a reading taken during the run.
    const during = async (): Promise<string> => {
      const position = await shown();
      const badge = await card.locator('.badge').first().textContent();
      const powerMoved = (await power.textContent()) !== powerBefore;
      const header = /^running scan\.js\s+\d+\/8$/.test((await page.locator('#current-run').textContent()) ?? '');
      const state = await runState(uid);
      return state === RunState.RUNNING ? `moved ${position > 0 && position < 32} ${badge}, header says running ${header}, power meter live ${powerMoved}` : `run not running (state ${state}): position ${position}, ${badge}`;
    };
    await eventually(during).toBe('moved true busy, header says running true, power meter live true');
    // The header during a run (its state, script and progress) and the busy cards, at a laptop's size.
    expect(await overlaps(page)).toEqual([]);
    expect(await overflowsWidth(page)).toBeUndefined();
    // Two different positions in a row, while the run goes on: the card follows the stage.
    const first = await shown();
    await eventually(async () => (await runState(uid)) === RunState.RUNNING && (await shown()) > first).toBe(true);
    await followRun(daemon.client(OPERATOR), uid);
    await eventually(shown).toBe(32);
    await eventually(() => card.locator('.badge').first().textContent()).toBe('idle');
    await page.close();
  }, 180_000);

  it('lists each run with its date, duration, who started it, its script, parameters and metadata', async () => {
    const client = daemon.client(OPERATOR);
    const run = (await client.call(ControlService.method.getRun, { uid: movingRun })).run;
    const page = await login();
    await tab(page, 'runs');
    const row = page.locator(`#history-rows tr[data-run="${movingRun}"]`);
    const cells = async () => (await row.locator('td').allTextContents()).slice(0, 9);
    const duration = formatDuration((run?.endTimeS ?? 0) - (run?.startTimeS ?? 0));
    await eventually(cells).toEqual([movingRun.slice(0, 8), 'scan.js', 'finished', 'success', 'olivia (operator)', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/), duration, 'scan: 8, frames: 8', expect.any(String)]);
    expect(await row.locator('.meta-param').allTextContents()).toEqual(['by=4', 'frame_every=1', 'steps=8']);
    expect(await row.locator('.meta-meta').allTextContents()).toEqual(['note=focus on the fibre', 'sample=GaAs-17']);
    await page.close();
  }, 120_000);

  it('keeps the timeline\'s run labels apart with runs close together, and shows values and frame of the same moment', async () => {
    // Five short runs one after another, each with frames in its scan, a few ms apart.
    const uids: string[] = [];
    for (let i = 0; i < 5; i++) uids.push(await start({ steps: 3, by: 1, frame_every: 1 }, {}, `close-${i}.js`));
    for (const uid of uids) await followRun(daemon.client(OPERATOR), uid);
    const page = await login();
    await tab(page, 'time');
    const timeline = page.locator('#tt-timeline');
    await eventually(async () => JSON.parse((await timeline.getAttribute('data-runs')) ?? '[]').length).toBeGreaterThanOrEqual(6);
    const labels = JSON.parse((await timeline.getAttribute('data-label-boxes')) ?? '[]') as { text: string; x: number; y: number; width: number; height: number }[];
    expect(labels.length).toBeGreaterThanOrEqual(2);
    const width = Number(await timeline.getAttribute('width'));
    for (const [i, a] of labels.entries()) {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(width);
      for (const b of labels.slice(i + 1)) {
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `"${a.text}" and "${b.text}" overlap`).toBe(true);
      }
    }
    // A moment between the second and third frame of the last run: the values and the frame at
    // the cursor are both of its second point (the same run, the same event).
    const client = daemon.client(OPERATOR);
    const { readStreamRange } = await import('./range-client.js');
    const { tableFromIPC } = await import('apache-arrow');
    const parts = await readStreamRange(client, { stream: 'frames', withoutFrames: true });
    const table = tableFromIPC(parts.at(-1) as Uint8Array);
    const times = table.getChild('time')?.toArray() as Float64Array;
    const n = times.length;
    const moment = ((times[n - 2] as number) + (times[n - 1] as number)) / 2;
    const last = uids.at(-1) ?? '';
    await page.locator('#tt-stream').selectOption('frames');
    await eventually(async () => (await page.locator('#tt-frame-stream option').allTextContents()).includes('frames.image')).toBe(true);
    await page.locator('#tt-frame-stream').selectOption('frames/image');
    await page.locator('#tt-time').fill(moment.toFixed(6));
    await page.locator('#tt-go').click();
    const valuesRun = page.locator('#tt-values tr[data-field="run"] td');
    await eventually(() => valuesRun.textContent()).toBe(`${last.slice(0, 8)} #2`);
    await eventually(() => page.locator('#tt-frame-info').textContent()).toMatch(new RegExp(`\\(run ${last.slice(0, 8)} #2\\)$`));
    expect(await canvasColours(page, '#tt-frame')).toBeGreaterThan(8);
    // Before any frame of any run: no values, and no frame left over from the moment before.
    const first = Number(await timeline.getAttribute('data-first'));
    await page.locator('#tt-time').fill(first.toFixed(6));
    await page.locator('#tt-go').click();
    await eventually(() => page.locator('#tt-values').textContent()).toBe('no frames rows at or before this time');
    await eventually(() => page.locator('#tt-frame-info').textContent()).toBe('no frame at or before this time');
    expect(await canvasColours(page, '#tt-frame')).toBe(1);
    await page.close();
  }, 180_000);

  /** A screen: how to get there, and what must show before it is looked at. */
  interface Screen {
    name: string;
    open(page: Page): Promise<void>;
    /** Canvas selectors that must not be empty (plots, images). */
    drawn?: readonly string[];
    /** Line charts whose x tick labels (drawn on the canvas) must stay apart. */
    charts?: readonly string[];
    /** A part of the page to photograph instead of the whole (the presets box). */
    part?: string;
  }
  const SCREENS: readonly Screen[] = [
    {
      name: 'devices',
      open: async (page) => {
        await tab(page, 'devices');
        await eventually(() => page.locator('article.card').count()).toBe(6);
        await eventually(() => page.locator('[data-live="thermometer"]').textContent()).toMatch(/ °C$/);
        await eventually(() => page.locator('[data-values="laser"]').textContent()).toMatch(/^wavelength/);
      },
    },
    {
      name: 'presets',
      part: '#presets',
      open: async (page) => {
        await tab(page, 'devices');
        await eventually(() => page.locator('#preset-rows tr[data-preset="aligned"]').count()).toBe(1);
      },
    },
    {
      name: 'plots',
      drawn: ['#plot-chart canvas'],
      charts: ['#plot-chart'],
      open: async (page) => {
        await tab(page, 'plots');
        await eventually(async () => (await page.locator('#plot-stream option').allTextContents()).includes('scan')).toBe(true);
        await page.locator('#plot-stream').selectOption('scan');
        await eventually(async () => (await page.locator('#plot-y option').allTextContents()).includes('power')).toBe(true);
        await page.locator('#plot-y').selectOption('power');
        await page.locator('#plot-x').selectOption('position');
        await eventually(() => page.locator('#plot-chart').getAttribute('data-x-title')).toBe('position (mm)');
        await eventually(async () => Number(await page.locator('#plot-chart').getAttribute('data-points'))).toBeGreaterThan(3);
      },
    },
    {
      name: 'plots-map',
      drawn: ['#plot-chart-map'],
      open: async (page) => {
        await tab(page, 'plots');
        await eventually(async () => (await page.locator('#plot-stream option').allTextContents()).includes('primary')).toBe(true);
        await page.locator('#plot-stream').selectOption('primary');
        await eventually(async () => (await page.locator('#plot-y option').allTextContents()).includes('power_meter')).toBe(true);
        await page.locator('#plot-y').selectOption('power_meter');
        await page.locator('#plot-x').selectOption('stage');
        await page.locator('#plot-view').selectOption('map');
        await page.locator('#plot-y2').selectOption('laser_wavelength');
        await eventually(() => page.locator('#plot-chart-map').getAttribute('data-measured')).toBe('12');
      },
    },
    {
      name: 'camera',
      drawn: ['#camera-canvas', '#camera-histogram', '#camera-profile', '#camera-colour-bar'],
      open: async (page) => {
        await tab(page, 'camera');
        await eventually(() => page.locator('#camera-device').inputValue()).toBe('camera');
        await page.locator('#camera-start').click();
        await eventually(() => page.locator('#camera-message').textContent()).toBe('start camera: done');
        await eventually(async () => Number(await page.locator('#camera-stats').getAttribute('data-frames'))).toBeGreaterThanOrEqual(5);
        // A profile: click a row of the image.
        const box = await page.locator('#camera-overlay').boundingBox();
        if (box !== null) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      },
    },
    {
      name: 'editor',
      open: async (page) => {
        await tab(page, 'editor');
        await page.locator('#script-editor .cm-content').click();
        await page.keyboard.press('Control+A');
        await page.keyboard.insertText(SCAN);
        await eventually(() => page.locator('#script-problems').textContent()).toBe('no problems');
        await page.locator('#script-params').fill('steps=4\nby=1\nframe_every=2');
        await page.locator('#script-run').click();
        await eventually(() => page.locator('#run-info').getAttribute('data-state')).toBe('finished');
        await eventually(() => page.locator('#run-log').textContent()).toMatch(/scan done/);
        await eventually(() => page.locator('#run-values table[data-stream="scan"] tbody tr').count()).toBe(4);
      },
    },
    {
      name: 'runs',
      open: async (page) => {
        await tab(page, 'runs');
        await eventually(() => page.locator('#history-rows tr').count()).toBeGreaterThanOrEqual(7);
      },
    },
    {
      name: 'time-travel',
      drawn: ['#tt-chart canvas', '#tt-frame'],
      charts: ['#tt-chart'],
      open: async (page) => {
        await tab(page, 'time');
        await eventually(async () => (await page.locator('#tt-stream option').allTextContents()).includes('scan')).toBe(true);
        await page.locator('#tt-stream').selectOption('scan');
        await eventually(async () => (await page.locator('#tt-field option').allTextContents()).includes('power')).toBe(true);
        await page.locator('#tt-field').selectOption('power');
        await page.locator('#tt-frame-stream').selectOption('frames/image');
        // A moment in the middle of the ring's history.
        const timeline = page.locator('#tt-timeline');
        const box = await timeline.boundingBox();
        if (box !== null) await page.mouse.click(box.x + box.width * 0.7, box.y + box.height / 2);
        await eventually(() => page.locator('#tt-values tr[data-field="power"]').count()).toBe(1);
        await eventually(() => page.locator('#tt-frame-info').textContent()).toMatch(/^frames\.image/);
        await eventually(() => page.locator('#tt-chart').getAttribute('data-empty')).toBe('false');
      },
    },
  ];

  it('shows every screen at 1400×900 and at 1366×768 without text over text or controls, and without empty plots', async () => {
    // What the screens show: a grid scan for the map, a preset.
    const client = daemon.client(OPERATOR);
    const grid = `laser.enableEmission();
laser.openShutter();
try {
  gridScan(stage, laser.wavelength, power_meter, { outer: { start: 2, stop: 8, num: 4 }, inner: { start: 760, stop: 840, num: 3 }, snake: true });
} finally {
  laser.closeShutter();
  laser.disableEmission();
}
`;
    const { run } = await client.call(ControlService.method.startRun, { script: { case: 'inline', value: { name: 'grid.js', source: grid } } });
    await followRun(client, run?.uid ?? '');
    {
      const page = await login();
      await page.locator('#preset-name').fill('aligned');
      await page.locator('#preset-note').fill('stage on the fibre, 800 nm');
      await page.locator('#preset-save').click();
      await eventually(() => page.locator('#preset-message').textContent()).toMatch(/^saved preset aligned/);
      await page.close();
    }
    const found: string[] = [];
    for (const size of SIZES) {
      // The login form first (a page without a token).
      const fresh = problems.watch(await browser.newPage({ viewport: size }));
      await fresh.goto(url);
      await fresh.locator('#login').waitFor();
      for (const overlap of await overlaps(fresh)) found.push(`login at ${size.width}×${size.height}: ${overlap}`);
      await fresh.close();
      const page = await login(size);
      for (const screen of SCREENS) {
        await screen.open(page);
        const where = `${screen.name} at ${size.width}×${size.height}`;
        for (const overlap of await overlaps(page)) found.push(`${where}: ${overlap}`);
        const wide = await overflowsWidth(page);
        if (wide !== undefined) found.push(`${where}: ${wide}`);
        for (const selector of screen.charts ?? []) {
          const gap = Number((await page.locator(selector).getAttribute('data-x-tick-gap')) || NaN);
          if (!(gap >= 4)) found.push(`${where}: the x tick labels of ${selector} are ${gap} px apart (${await page.locator(selector).getAttribute('data-x-ticks')})`);
        }
        for (const selector of screen.drawn ?? []) {
          const colours = await canvasColours(page, selector);
          if (colours < 3) found.push(`${where}: ${selector} is empty (${colours} colour${colours === 1 ? '' : 's'})`);
        }
        // The docs' screenshots at 1400×900; the laptop's go to test-output/dashboard/laptop/ for review.
        const path = size === SIZES[0] ? join(SHOTS, `${screen.name}.png`) : join(ROOT, 'test-output/dashboard/laptop', `${screen.name}.png`);
        if (screen.part === undefined) await page.screenshot({ path });
        else await page.locator(screen.part).screenshot({ path });
      }
      // Time ticks at many chart widths: at some widths uPlot's step puts ticks barely a label's width apart.
      if (size === SIZES[1]) {
        for (let width = 900; width <= size.width; width += 31) {
          await page.setViewportSize({ width, height: size.height });
          await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
          const gap = Number((await page.locator('#tt-chart').getAttribute('data-x-tick-gap')) || NaN);
          if (!(gap >= 4)) found.push(`time-travel at ${width}×${size.height}: the x tick labels are ${gap} px apart (${await page.locator('#tt-chart').getAttribute('data-x-ticks')})`);
        }
      }
      await page.close();
    }
    expect(found).toEqual([]);
  }, 600_000);
});
