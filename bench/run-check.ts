/**
 * What the type check before a run costs (issue 17): `daq run --config` of examples/simple_scan.js
 * in simulated time, from spawn to exit, with a cold check (a new script), with the check
 * remembered (the same script again), and with `--no-check`, measured in the same rounds; and a
 * daemon's StartRun answer time for a new script (checked in its warm worker), the same script
 * again (remembered), and `skip_check`, with the daemon's resident memory (its checker worker
 * included). `make bench` runs it with the rest; alone: node dist/bench/run-check.js.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ControlService } from '../src/api/gen/daq/v1/control_pb.js';
import { BenchDaemon } from './daemon.js';
import { report as printFigure } from './report.js';

type Report = (name: string, value: number, unit: string, extra?: string) => void;

const ROOT = resolve(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Wall ms of `daq run examples/simple_scan.js` (simulated time, not saved) with `args`, its passed checks in `cache`. */
function localRun(cache: string, args: readonly string[]): number {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [DAQ, 'run', 'examples/simple_scan.js', '--config', 'examples/lab.toml', '--no-save', '--sim-time', '--json', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, XDG_CACHE_HOME: cache },
  });
  const wallMs = performance.now() - t0;
  if (result.status !== 0) throw new Error(`daq run exited ${String(result.status)}: ${String(result.stderr)}`);
  return wallMs;
}

async function benchLocal(report: Report, rounds: number): Promise<void> {
  const cold: number[] = [];
  const remembered: number[] = [];
  const skipped: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cache = mkdtempSync(join(tmpdir(), 'daq-bench-check-'));
    try {
      cold.push(localRun(cache, []));
      remembered.push(localRun(cache, []));
      skipped.push(localRun(cache, ['--no-check']));
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }
  const base = median(skipped);
  report('daq run --config, --no-check (simple_scan.js, sim time)', base, 'ms', `median of ${rounds}`);
  report('daq run --config, script checked (first run of it)', median(cold), 'ms', `+${(median(cold) - base).toFixed(0)} ms`);
  report('daq run --config, script checked before (remembered)', median(remembered), 'ms', `+${(median(remembered) - base).toFixed(0)} ms`);
}

async function benchDaemonStart(report: Report, rounds: number): Promise<void> {
  const daemon = await BenchDaemon.start();
  try {
    const answer = async (source: string, skipCheck: boolean): Promise<number> => {
      const t0 = performance.now();
      const { run } = await daemon.client.call(ControlService.method.startRun, { script: { case: 'inline', value: { name: 'bench.js', source } }, skipCheck });
      const ms = performance.now() - t0;
      await daemon.finished(run?.uid ?? '');
      return ms;
    };
    // The first check may wait for the worker's warm-up (started with the daemon).
    const first = await answer("log('first');\n", false);
    const fresh: number[] = [];
    const again: number[] = [];
    const skipped: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const source = `const steps = ${i + 2};\nfor (let i = 0; i < steps; i++) {\n  stage.moveAbs(i);\n  record('s', { x: stage.position(), p: power_meter.read() });\n}\n`;
      fresh.push(await answer(source, false));
      again.push(await answer(source, false));
      skipped.push(await answer(`${source}// ${i}\n`, true));
    }
    report('daemon: StartRun answered, skip_check', median(skipped), 'ms', `median of ${rounds}`);
    report('daemon: StartRun answered, new script checked (warm worker)', median(fresh), 'ms');
    report('daemon: StartRun answered, same script again (remembered)', median(again), 'ms');
    report('daemon: StartRun answered, first check after start', first, 'ms', 'may wait for the warm-up');
    const rss = await daemon.rss();
    report('daemon: resident memory after these runs (checker included)', rss.anon, 'MB', `RssAnon; total ${rss.total.toFixed(0)} MB`);
  } finally {
    await daemon.stop();
  }
}

/** Prints the figures of the check before a run. */
export async function benchRunCheck(report: Report = printFigure, rounds = 5): Promise<void> {
  await benchLocal(report, rounds);
  await benchDaemonStart(report, rounds * 4);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await benchRunCheck();
