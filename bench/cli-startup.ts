/**
 * Start-up of the `daq` command: wall time from spawn to exit of `daq --version`, `daq --help`
 * and `daq status --remote` (against a real daemon), next to `node -e 0` measured in the same
 * rounds, so the difference is what ts-daq adds on this machine under its current load. Targets
 * (issue 16): --version and --help within 100 ms of bare node, status within 200 ms.
 * `make bench` runs it with the rest; `make bench-cli` (node dist/bench/cli-startup.js) alone.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { report as printFigure } from './report.js';

type Report = (name: string, value: number, unit: string, extra?: string) => void;

const ROOT = resolve(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time (user + system) of this process's waited-for children so far, in clock ticks (/proc). */
function childTicks(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[13]) + Number(fields[14]);
}

/** Wall time from spawn to exit of `node ARGS` and the CPU ticks it used; throws if it fails. */
function timeOnce(args: readonly string[]): { wallMs: number; ticks: number } {
  const ticks = childTicks();
  const t0 = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DAQ_REMOTE: '' } });
  const wallMs = performance.now() - t0;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(result.status)}: ${String(result.stderr)}`);
  return { wallMs, ticks: childTicks() - ticks };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Starts a daemon on a free port (no ring), resolves with its address and a stop function. */
async function startDaemon(): Promise<{ address: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'daq-bench-cli-'));
  const daemon = spawn(process.execPath, [DAQ, 'daemon', '--config', 'examples/lab.toml', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--no-ring'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((done) => daemon.once('exit', () => done()));
  const address = await new Promise<string>((done, fail) => {
    let out = '';
    daemon.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1] !== undefined) done(match[1]);
    });
    void exited.then(() => fail(new Error('the daemon did not start')));
  });
  return {
    address,
    stop: async () => {
      daemon.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the start-up benchmark: `rounds` interleaved rounds after two warm-up rounds; medians. */
export async function benchCliStartup(report: Report, rounds = 21): Promise<void> {
  const daemon = await startDaemon();
  try {
    const cases: [string, readonly string[], string][] = [
      ['node -e 0', ['-e', '0'], ''],
      ['daq --version', [DAQ, '--version'], '100'],
      ['daq --help', [DAQ, '--help'], '100'],
      ['daq status --remote', [DAQ, 'status', '--remote', daemon.address], '200'],
    ];
    const walls = cases.map(() => [] as number[]);
    const ticks = cases.map(() => 0);
    for (let round = 0; round < rounds + 2; round++) {
      cases.forEach(([, args], i) => {
        const time = timeOnce(args);
        if (round < 2) return;
        walls[i]?.push(time.wallMs);
        ticks[i] = (ticks[i] ?? 0) + time.ticks;
      });
    }
    const cpuMs = (i: number): number => ((ticks[i] ?? 0) * TICK_MS) / rounds;
    const bare = median(walls[0] ?? []);
    report('start-up: node -e 0 (bare Node, the baseline), median', bare, 'ms', `${rounds} runs; CPU ${cpuMs(0).toFixed(0)} ms`);
    cases.slice(1).forEach(([name, , target], i) => {
      const ms = median(walls[i + 1] ?? []);
      const extraCpu = cpuMs(i + 1) - cpuMs(0);
      report(`start-up: ${name}, median`, ms, 'ms', `+${(ms - bare).toFixed(1)} ms over node -e 0, target <= +${target}; CPU +${extraCpu.toFixed(0)} ms`);
    });
  } finally {
    await daemon.stop();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await benchCliStartup(printFigure);
}
