/**
 * The web dashboard's figures, in chromium against a daemon on examples/lab.toml (1024 x 1024
 * 16-bit sim camera): camera preview frame rate at 20 and 30 fps asked (downsampled by the daemon
 * to 256 px wide) and the page's draw time per frame; plot redraw time with 10^5 points; and the
 * editor's CheckScript latency (first call, then warm). Skipped without chromium.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DaemonClient } from '../src/api/client.js';
import { ControlService } from '../src/api/gen/daq/v1/control_pb.js';

type Report = (name: string, value: number, unit: string, extra?: string) => void;

function chromiumPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Runs the dashboard benchmarks, printing through `report`. */
export async function benchDashboard(report: Report): Promise<void> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) return void process.stdout.write('dashboard: skipped (no chromium; make system installs it)\n');
  const { chromium } = await import('playwright-core');
  const dataDir = mkdtempSync(join(tmpdir(), 'daq-bench-dashboard-'));
  const daemon = spawn('node', ['dist/src/cli/main.js', 'daemon', '--config', 'examples/lab.toml', '--listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--ring', join(dataDir, 'bench.ring'), '--ring-size', '256'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [address, url] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    let err = '';
    const check = (): void => {
      const a = /listening on (\S+)/.exec(out)?.[1];
      const u = /dashboard: (http:\/\/\S+)/.exec(err)?.[1];
      if (a !== undefined && u !== undefined) resolve([a, u]);
    };
    daemon.stdout.on('data', (chunk: Buffer) => ((out += chunk.toString()), check()));
    daemon.stderr.on('data', (chunk: Buffer) => ((err += chunk.toString()), check()));
    daemon.once('exit', () => reject(new Error(`daemon exited: ${err}`)));
  });
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const client = new DaemonClient(address);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${url}#camera`);
    await page.locator('#camera-device').selectOption('camera');
    await page.locator('#camera-start').click();
    for (const fps of [20, 30]) {
      await page.locator('#camera-rate').selectOption(String(fps));
      await new Promise((r) => setTimeout(r, 4000));
      const stats = page.locator('#camera-stats');
      const measured = Number(await stats.getAttribute('data-fps'));
      const draw = Number(await stats.getAttribute('data-draw-ms'));
      report(`dashboard camera preview 1024x1024 -> 256, ${fps} fps asked`, measured, 'fps', `draw ${draw.toFixed(1)} ms a frame; target >= 20`);
    }
    await page.locator('#camera-stop').click();

    // 10^5 points: a script records them in a burst, the plot loads them in one range read.
    const run = await client.call(ControlService.method.startRun, { script: { case: 'inline', value: { name: 'points.js', source: "for (let i = 0; i < 100000; i++) record('bench', { x: i, y: Math.sin(i / 1000) });\n" } } });
    for (;;) {
      const state = (await client.call(ControlService.method.getRun, { uid: run.run?.uid ?? '' })).run?.state;
      if (state === 4) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await page.goto(`${url}#plots`);
    await page.locator('#plot-stream').selectOption('bench');
    await page.locator('#plot-x').selectOption('x');
    const intake0 = performance.now();
    await page.locator('#plot-y').selectOption('y');
    await page.locator('#plot-chart[data-points="100000"]').waitFor({ timeout: 20_000 });
    const intakeMs = performance.now() - intake0;
    report('dashboard plot intake, 10^5 rows from the ring to the page', (1e5 / intakeMs) * 1000, 'rows/s', `${intakeMs.toFixed(0)} ms including the draw`);
    const redraws: number[] = [];
    await page.locator('#plot-follow').click(); // pause: only the redraws asked for below
    for (let i = 0; i < 5; i++) {
      await page.locator('#plot-fit').click();
      await new Promise((r) => setTimeout(r, 300));
      redraws.push(Number(await page.locator('#plot-chart').getAttribute('data-redraw-ms')));
    }
    redraws.sort((a, b) => a - b);
    report('dashboard plot redraw, 10^5 points (median of 5)', redraws[2] as number, 'ms');

    const source = "const steps = Number(params.steps ?? 10);\nfor (let i = 0; i < steps; i++) {\n  stage.moveAbs(i);\n  record('scan', { p: power_meter.read() });\n}\ncamera.moveAbs(1);\n";
    let t0 = performance.now();
    await client.call(ControlService.method.checkScript, { name: 'scan.js', source });
    const first = performance.now() - t0;
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) {
      t0 = performance.now();
      await client.call(ControlService.method.checkScript, { name: 'scan.js', source: `${source}// ${i}\n` });
      warm.push(performance.now() - t0);
    }
    warm.sort((a, b) => a - b);
    report('dashboard CheckScript after an edit (median of 20)', warm[10] as number, 'ms', `first call ${first.toFixed(0)} ms`);
  } finally {
    client.close();
    await browser.close();
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
