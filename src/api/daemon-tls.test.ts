/**
 * The daemon's transport security and discoverability, over real sockets: TLS on the gRPC port
 * and the Connect/dashboard port with the same certificate, and gRPC server reflection (what
 * grpcurl and `buf curl` use instead of the proto files).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

const REFLECTION_PROTO = join('node_modules', '@grpc', 'reflection', 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');

describe('a daemon with --tls-cert/--tls-key and --http-listen', () => {
  const processes = new TestProcesses();
  let daemon: DaemonProcess;
  let cert: Buffer;
  let http = '';

  beforeAll(async () => {
    const dir = await processes.labDir();
    // A self-signed certificate for 127.0.0.1 (openssl is a system package of `make test`).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.pem')], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'server.pem'));
    daemon = await startDaemonProcess(processes, dir, { args: ['--tls-cert', join(dir, 'server.pem'), '--tls-key', join(dir, 'server.key'), '--http-listen', '127.0.0.1:0'] });
    const [, address = ''] = await daemon.proc.waitFor(/Connect\/gRPC-Web on https:\/\/(\S+)\)/, 'stderr');
    http = address;
  }, 60_000);
  afterAll(() => processes.cleanup());

  it('serves Connect over HTTPS with the same certificate (and plain HTTP gets no answer)', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`https://${http}/daq.v1.ControlService/GetDaemonInfo`, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ listen: expect.any(String) });
    await expect(fetch(`http://${http}/daq.v1.ControlService/GetDaemonInfo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).rejects.toThrow();
  });

  it('answers gRPC server reflection: the services and their file descriptors, over TLS', async () => {
    const definition = loadSync(REFLECTION_PROTO, { keepCase: true });
    const Reflection = (grpc.loadPackageDefinition(definition) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } }).grpc.reflection.v1.ServerReflection;
    const client = new Reflection(daemon.address, grpc.credentials.createSsl(cert));
    try {
      const ask = (message: object): Promise<Record<string, unknown>> =>
        new Promise((resolve, reject) => {
          const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Record<string, unknown>> }).ServerReflectionInfo();
          call.on('data', (reply) => {
            resolve(reply);
            call.end();
          });
          call.on('error', reject);
          call.write(message);
        });
      const listed = await ask({ list_services: '' });
      const names = (listed['list_services_response'] as { service: { name: string }[] }).service.map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(['daq.v1.ControlService', 'daq.v1.HardwareService']));
      const files = await ask({ file_containing_symbol: 'daq.v1.ControlService' });
      const protos = (files['file_descriptor_response'] as { file_descriptor_proto: Buffer[] }).file_descriptor_proto;
      // the file that defines the service first, then its imports
      expect(protos[0]?.subarray(2, 2 + 'daq/v1/control.proto'.length).toString()).toBe('daq/v1/control.proto');
      expect(protos.map((p) => p.toString('latin1'))).toEqual(expect.arrayContaining([expect.stringContaining('daq/v1/common.proto')]));
      const byName = await ask({ file_by_filename: 'daq/v1/hardware.proto' });
      expect((byName['file_descriptor_response'] as { file_descriptor_proto: Buffer[] }).file_descriptor_proto[0]?.toString('latin1')).toContain('daq.v1.HardwareService'.split('.').pop());
      const missing = await ask({ file_containing_symbol: 'daq.v1.NoSuchThing' });
      expect(missing['error_response']).toMatchObject({ error_code: 5 });
    } finally {
      client.close();
    }
  });
});
