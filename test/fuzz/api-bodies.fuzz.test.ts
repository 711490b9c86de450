/**
 * Whatever bytes a client sends as a request body, over gRPC (HTTP/2) or Connect (HTTP/1.1, JSON
 * or binary): the daemon answers each with a status, and keeps serving everyone; a real daemon
 * process over real sockets. The cases are seeded (fuzz-settings.ts), a few in `make test`.
 */
import http2 from 'node:http2';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess, TestProcesses } from '../../src/api/daemon.fixture.js';
import { ControlService } from '../../src/api/gen/daq/v1/control_pb.js';
import { HardwareService } from '../../src/api/gen/daq/v1/hardware_pb.js';
import { PresetService } from '../../src/api/gen/daq/v1/presets_pb.js';
import { fuzzParameters } from './fuzz-settings.js';

const METHODS = [...ControlService.methods, ...HardwareService.methods, ...PresetService.methods].filter((m) => m.methodKind === 'unary').map((m) => `/${m.parent.typeName}/${m.name}`);

/** A unary gRPC call with `payload` as its message bytes; resolves with the grpc-status. */
function grpcRaw(address: string, path: string, payload: Uint8Array, compressedFlag: number): Promise<string> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${address}`);
    session.on('error', () => resolve('session error'));
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    let status = 'none';
    const take = (headers: http2.IncomingHttpHeaders): void => {
      const value = headers['grpc-status'];
      if (typeof value === 'string') status = value;
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    stream.on('close', () => {
      session.close();
      resolve(status);
    });
    const frame = Buffer.alloc(5 + payload.length);
    frame.writeUInt8(compressedFlag, 0);
    frame.writeUInt32BE(payload.length, 1);
    frame.set(payload, 5);
    stream.end(frame);
  });
}

describe('a daemon fed random request bodies', () => {
  const processes = new TestProcesses();
  let daemon: DaemonProcess;
  let http = '';

  beforeAll(async () => {
    daemon = await startDaemonProcess(processes, await processes.labDir(), { http: true });
    http = (await daemon.client().call(ControlService.method.getDaemonInfo, {})).httpListen;
  }, 120_000);
  afterAll(() => processes.cleanup());

  it('answers every random gRPC body with a status and keeps serving', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.uint8Array({ maxLength: 256 }), fc.constantFrom(0, 0, 0, 1), async (path, payload, flag) => {
        const status = await grpcRaw(daemon.address, path, payload, flag);
        expect(status, `${path} with ${payload.length} bytes`).toMatch(/^\d+$/);
      }),
      fuzzParameters(0.25),
    );
    expect((await daemon.client().call(ControlService.method.getDaemonInfo, {})).listen).not.toBe('');
  });

  it('answers every random Connect body (JSON or binary) with a Connect status and keeps serving', { timeout: 600_000 }, async () => {
    const json = fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.constantFrom('{"script":{"inline":{"name":"x.js","source":"' + 'a'.repeat(300) + '"}}}', '{"position": 1e999}', '{"params":{"__proto__":{"x":1}}}'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.oneof(json.map((b) => ['application/json', b] as const), fc.uint8Array({ maxLength: 256 }).map((b) => ['application/proto', b] as const)), async (path, [type, body]) => {
        const answer = await fetch(`http://${http}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
        const text = await answer.text();
        if (answer.status !== 200) expect(JSON.parse(text), `${path}: ${answer.status} ${text}`).toHaveProperty('code');
      }),
      fuzzParameters(0.25),
    );
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect((await daemon.client().call(ControlService.method.getDaemonInfo, {})).listen).not.toBe('');
  });
});
