/**
 * RPC benchmarks against a real daemon process: unary round trip (GetDaemonInfo) from Python
 * grpcio and from the Node client, after warm-up, and the daemon's CPU time per call (from
 * /proc). Targets (DESIGN.md): Python p50 <= 0.7 ms, p99 <= 5 ms.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DaemonClient } from '../src/api/client.js';
import { ControlService } from '../src/api/gen/daq/v1/control_pb.js';

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** Runs the RPC benchmarks; `report` prints a figure. */
export async function benchRpc(report: (name: string, value: number, unit: string, extra?: string) => void): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'daq-bench-rpc-'));
  const daemon = spawn('node', ['dist/src/cli/main.js', 'daemon', '--config', 'examples/lab.toml', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--no-ring'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    daemon.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    daemon.on('exit', () => reject(new Error('the daemon did not start')));
  });
  try {
    const ticksPerS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    const python = '.venv/bin/python';
    if (existsSync(python)) {
      const calls = 5000;
      const before = cpuTicks(daemon.pid as number);
      const out = execFileSync(python, ['bench/rpc_latency.py', address, '--calls', String(calls)], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: 'clients/python' } });
      const cpuMs = ((cpuTicks(daemon.pid as number) - before) / ticksPerS) * 1000;
      const result = JSON.parse(out.trim()) as { p50_ms: number; p99_ms: number };
      report('unary RPC from Python grpcio, p50', result.p50_ms, 'ms', 'target <= 0.7');
      report('unary RPC from Python grpcio, p99', result.p99_ms, 'ms', 'target <= 5');
      report('daemon CPU per call (incl. warm-up calls)', cpuMs / (calls + 2000), 'ms');
    } else {
      process.stdout.write('Python RPC benchmark skipped: no .venv (make python)\n');
    }
    const client = new DaemonClient(address);
    for (let i = 0; i < 2000; i++) await client.call(ControlService.method.getDaemonInfo, {});
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t0 = performance.now();
      await client.call(ControlService.method.getDaemonInfo, {});
      times.push(performance.now() - t0);
    }
    client.close();
    times.sort((a, b) => a - b);
    report('unary RPC from the Node client, p50', times[2500] ?? NaN, 'ms');
    report('unary RPC from the Node client, p99', times[4950] ?? NaN, 'ms');
  } finally {
    daemon.kill('SIGTERM');
  }
}
