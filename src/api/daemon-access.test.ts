/**
 * Who may use the real daemon: tokens with roles, rejections logged, starts audited, and no
 * listening beyond loopback without tokens.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DaqError } from '../core/index.js';
import { ControlService } from './gen/daq/v1/control_pb.js';
import { ExitStatus } from './gen/daq/v1/documents_pb.js';
import { callRaw, type DaemonProcess, followRun, scanRun, startDaemonProcess, TestProcesses, writeTokens } from './daemon.fixture.js';

const TOKENS = {
  viewer: 'observer-token-0123456789abcdef',
  alice: 'operator-token-0123456789abcdef',
};

const perTest = new TestProcesses();
afterEach(() => perTest.cleanup());

describe('a daemon with tokens, listening on every interface', () => {
  const shared = new TestProcesses();
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const dir = await shared.labDir();
    const tokensFile = await writeTokens(dir, [
      { name: 'viewer', role: 'observer', token: TOKENS.viewer },
      { name: 'alice', role: 'operator', token: TOKENS.alice },
    ]);
    // Starting at all proves that a non-loopback bind is allowed once tokens are configured.
    daemon = await startDaemonProcess(shared, dir, { listen: '0.0.0.0:0', tokensFile, args: ['--http-listen', '0.0.0.0:0'] });
  }, 20_000);
  afterAll(() => shared.cleanup());

  it('listens on 0.0.0.0 when a tokens file is given', async () => {
    expect(daemon.listening).toMatch(/^0\.0\.0\.0:\d+$/);
    expect(daemon.proc.stderr).toContain(', 2 tokens');
    const info = await daemon.client(TOKENS.viewer).call(ControlService.method.getDaemonInfo, {});
    expect(info).toMatchObject({ authEnabled: true, role: 'observer', listen: daemon.listening });
  });

  it('refuses StartRun to an observer with PERMISSION_DENIED naming the role needed, and logs the rejection', async () => {
    const attempt = daemon.client(TOKENS.viewer).call(ControlService.method.startRun, scanRun(1));
    await expect(attempt).rejects.toBeInstanceOf(DaqError);
    await expect(attempt).rejects.toThrow('permission denied: StartRun needs the operator role; viewer is observer');
    const raw = await callRaw(daemon.address, ControlService.method.startRun, scanRun(1), TOKENS.viewer);
    expect(raw.code).toBe(grpc.status.PERMISSION_DENIED);
    await daemon.proc.waitFor(/warn: rejected ControlService\.startRun from \S+: StartRun needs the operator role; viewer is observer\n/, 'stderr');
    const { runs } = await daemon.client(TOKENS.viewer).call(ControlService.method.listRuns, {});
    expect(runs.filter((r) => r.startedBy === 'viewer')).toEqual([]);
  });

  it('rejects calls without a token, or with an unknown one, as UNAUTHENTICATED, and logs them', async () => {
    const none = await callRaw(daemon.address, ControlService.method.getDaemonInfo, {});
    expect(none).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('this daemon needs a token') });
    const unknown = await callRaw(daemon.address, ControlService.method.startRun, scanRun(1), 'not-a-token-of-this-daemon');
    expect(unknown).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'unknown token' });
    await expect(daemon.client().call(ControlService.method.startRun, scanRun(1))).rejects.toThrow(/^not authenticated: this daemon needs a token/);
    await daemon.proc.waitFor(/warn: rejected ControlService\.getDaemonInfo from \S+: this daemon needs a token/, 'stderr');
    await daemon.proc.waitFor(/warn: rejected ControlService\.startRun from \S+: unknown token\n/, 'stderr');
  });

  it('audits every denied call with the client address, the method and the reason, over gRPC and Connect', async () => {
    const info = await daemon.client(TOKENS.viewer).call(ControlService.method.getDaemonInfo, {});
    expect(info.httpListen).not.toBe('');
    const http = info.httpListen.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
    const denied = 7;
    for (let i = 0; i < denied; i++) await callRaw(daemon.address, ControlService.method.listRuns, {}, `wrong-${i}`);
    const connect = await fetch(`http://${http}/daq.v1.ControlService/StopRun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.viewer}` },
      body: '{}',
    });
    expect(connect.status).toBe(403);
    const audit = join(daemon.dataDir, 'audit.log');
    await vi.waitFor(
      async () => {
        const lines = (await readFile(audit, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        const grpcDenied = lines.filter((l) => l['denied'] === 'ControlService.listRuns' && l['reason'] === 'unknown token');
        expect(grpcDenied).toHaveLength(denied);
        expect(grpcDenied[0]?.['peer']).toMatch(/^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):\d+$/);
        expect(lines).toContainEqual(expect.objectContaining({ denied: 'ControlService.stopRun', reason: expect.stringContaining('viewer is observer'), peer: expect.stringMatching(/127\.0\.0\.1/) }));
      },
      { timeout: 10_000 },
    );
  });

  it('refuses a request without a valid token before reading its body (a gzip bomb is never inflated)', async () => {
    const { httpListen } = await daemon.client(TOKENS.viewer).call(ControlService.method.getDaemonInfo, {});
    const http = httpListen.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
    const bomb = gzipSync(Buffer.alloc(64 * 2 ** 20, 0x20)); // 64 MiB of spaces in ~64 KiB
    for (const authorization of [undefined, 'Bearer not-a-token']) {
      const answer = await fetch(`http://${http}/daq.v1.ControlService/CheckScript`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...(authorization === undefined ? {} : { authorization }) },
        body: bomb,
      });
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ code: 'unauthenticated' });
    }
    // gRPC-Web callers get the status their protocol carries
    const web = await fetch(`http://${http}/daq.v1.ControlService/GetDaemonInfo`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: new Uint8Array(5) });
    expect(web.headers.get('grpc-status')).toBe('16');
    // with a token, a body that inflates beyond the limit is refused, not inflated to the end
    const big = await fetch(`http://${http}/daq.v1.ControlService/CheckScript`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${TOKENS.viewer}` },
      body: bomb,
    });
    expect(big.status).toBe(429);
    expect(await big.json()).toMatchObject({ code: 'resource_exhausted' });
  });

  it('lets an operator start a run, and records who started it in the audit log', async () => {
    const client = daemon.client(TOKENS.alice);
    const { run } = await client.call(ControlService.method.startRun, scanRun(2));
    const uid = run?.uid ?? '';
    expect(run?.startedBy).toBe('alice');
    const followed = await followRun(daemon.client(TOKENS.viewer), uid);
    expect(followed.stop?.exitStatus).toBe(ExitStatus.SUCCESS);
    const audit = join(daemon.dataDir, 'audit.log');
    await vi.waitFor(
      async () => {
        const lines = (await readFile(audit, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(lines).toContainEqual(expect.objectContaining({ who: 'alice', role: 'operator', action: `started run ${uid} of scan.js` }));
        expect(lines.filter((line) => line['who'] === 'viewer')).toEqual([]);
      },
      { timeout: 5000 },
    );
  });
});

describe('listening beyond loopback', () => {
  it('without tokens, the daemon refuses to start and says why', async () => {
    const dir = await perTest.labDir();
    const attempt = startDaemonProcess(perTest, dir, { listen: '0.0.0.0:0' });
    await expect(attempt).rejects.toThrow(/exited/);
    const [proc] = perTest.started();
    const exit = await proc?.exited;
    expect(exit?.signal).toBeNull();
    expect(exit?.code).toBeGreaterThan(0);
    expect(proc?.stderr).toContain('refusing to listen on 0.0.0.0:0 without tokens');
    expect(proc?.stderr).toContain('--tokens');
  });

  it('without tokens, the Connect port may not listen beyond loopback either', async () => {
    const dir = await perTest.labDir();
    await expect(startDaemonProcess(perTest, dir, { args: ['--http-listen', '0.0.0.0:0'] })).rejects.toThrow(/exited/);
    const [proc] = perTest.started();
    expect((await proc?.exited)?.code).toBeGreaterThan(0);
    expect(proc?.stderr).toContain('refusing to listen on 0.0.0.0:0 without tokens');
  });
});
