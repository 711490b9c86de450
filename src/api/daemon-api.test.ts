/**
 * The real daemon's API over real sockets: errors as proper gRPC codes with messages a person
 * can act on, the same handlers over Connect and gRPC-Web, and the standard health service.
 */
import { createClient, Code, ConnectError, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaqError } from '../core/index.js';
import { ControlService } from './gen/daq/v1/control_pb.js';
import { type Event, ExitStatus, type RunDocument } from './gen/daq/v1/documents_pb.js';
import { HardwareService } from './gen/daq/v1/hardware_pb.js';
import { callRaw, type DaemonProcess, followRun, inlineRun, oneTo, runOutline, scanRun, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

describe('the daemon API over real sockets', () => {
  const shared = new TestProcesses();
  let daemon: DaemonProcess;
  let httpAddress = '';

  beforeAll(async () => {
    const dir = await shared.labDir();
    daemon = await startDaemonProcess(shared, dir, { http: true });
    httpAddress = (await daemon.client().call(ControlService.method.getDaemonInfo, {})).httpListen;
  }, 120_000);
  afterAll(() => shared.cleanup());

  describe('errors map to gRPC codes with helpful messages', () => {
    it('NOT_FOUND for an unknown device, suggesting the near name', async () => {
      const status = await callRaw(daemon.address, HardwareService.method.moveDevice, { device: 'stagee', target: { case: 'absolute', value: 1 } });
      expect(status.code).toBe(grpc.status.NOT_FOUND);
      expect(status.details).toContain('no device "stagee"; did you mean "stage"?');
      await expect(daemon.client().call(HardwareService.method.readDevice, { device: 'stagee' })).rejects.toThrow(new DaqError('not_found', status.details));
    });

    it('FAILED_PRECONDITION for moving a camera, saying what it can do', async () => {
      const status = await callRaw(daemon.address, HardwareService.method.moveDevice, { device: 'camera', target: { case: 'absolute', value: 1 } });
      expect(status.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(status.details).toMatch(/^camera \(sim-camera\) is not Movable: it is .*FrameProducer/);
    });

    it('FAILED_PRECONDITION for a hardware command while a run holds the lab; success with take_over', async () => {
      const client = daemon.client();
      const { run } = await client.call(ControlService.method.startRun, inlineRun("log('holding'); sleep(3600);", {}, 'hold.js'));
      const uid = run?.uid ?? '';
      try {
        const refused = await callRaw(daemon.address, HardwareService.method.moveDevice, { device: 'stage', target: { case: 'absolute', value: 3 } });
        expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);
        expect(refused.details).toBe(`run ${uid} (hold.js) holds the lab; set take_over to command stage anyway`);
        const taken = await callRaw(daemon.address, HardwareService.method.moveDevice, { device: 'stage', target: { case: 'absolute', value: 3 }, takeOver: true });
        expect(taken).toMatchObject({ code: grpc.status.OK, response: { position: 3 } });
        await daemon.proc.waitFor(new RegExp(`local: move on stage \\(taking over from run ${uid}\\)`), 'stderr');
      } finally {
        await client.call(ControlService.method.stopRun, { uid });
      }
      expect((await followRun(client, uid)).stop?.exitStatus).toBe(ExitStatus.ABORT);
    });

    it('INVALID_ARGUMENT for a bad script name on UploadScript', async () => {
      const status = await callRaw(daemon.address, ControlService.method.uploadScript, { name: 'my scan.py', source: 'log(1);' });
      expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(status.details).toBe('script name "my scan.py" must be a file name ending in .js or .ts (letters, digits, ., _, -)');
    });

    it('a 5,000-character script name is refused by its length, and no answer shows where the daemon keeps files', async () => {
      const long = `${'s'.repeat(5000)}.js`;
      for (const call of [
        callRaw(daemon.address, ControlService.method.uploadScript, { name: long, source: 'log(1);' }),
        callRaw(daemon.address, ControlService.method.startRun, { script: { case: 'inline', value: { name: long, source: 'log(1);' } } }),
      ]) {
        const status = await call;
        expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
        expect(status.details).toMatch(/the script name is 5003 characters long; at most 128/);
        expect(status.details).not.toContain(daemon.dataDir);
      }
    });
  });

  describe('Connect and gRPC-Web serve the same handlers', () => {
    const transports: Record<string, () => Transport> = {
      Connect: () => createConnectTransport({ baseUrl: `http://${httpAddress}`, httpVersion: '1.1' }),
      'gRPC-Web': () => createGrpcWebTransport({ baseUrl: `http://${httpAddress}`, httpVersion: '1.1' }),
    };

    it('GetDaemonInfo reports the bound HTTP address', () => {
      expect(httpAddress).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      expect(daemon.proc.stderr).toContain(`(Connect/gRPC-Web on http://${httpAddress})`);
    });

    it.each(Object.keys(transports))('ListDevices over %s lists what native gRPC lists', async (protocol) => {
      const hardware = createClient(HardwareService, transports[protocol]?.() as Transport);
      const { devices } = await hardware.listDevices({});
      const native = await daemon.client().call(HardwareService.method.listDevices, {});
      expect(devices.map((d) => [d.name, d.driver, d.capabilities])).toEqual(native.devices.map((d) => [d.name, d.driver, d.capabilities]));
      expect(devices.map((d) => d.name).sort()).toEqual(['camera', 'stage']);
    });

    it('StartRun and StreamRunDocuments over Connect', async () => {
      const control = createClient(ControlService, transports['Connect']?.() as Transport);
      const points = 3;
      const { run } = await control.startRun(scanRun(points));
      const events: Event[] = [];
      let stop: { exitStatus: ExitStatus; numEvents: Record<string, number> } | undefined;
      const indexes: number[] = [];
      for await (const { document } of control.streamRunDocuments({ runUid: run?.uid ?? '' })) {
        indexes.push(document?.index ?? -1);
        if (document?.document.case === 'event') events.push(document.document.value);
        if (document?.document.case === 'stop') stop = document.document.value;
      }
      expect(events.map((e) => e.seqNum)).toEqual(oneTo(points));
      expect(indexes).toEqual(oneTo(indexes.length).map((i) => i - 1));
      expect(stop).toMatchObject({ exitStatus: ExitStatus.SUCCESS, numEvents: { scan: points } });
      // The same run, as native gRPC clients see it.
      const native = await followRun(daemon.client(), run?.uid ?? '');
      expect(runOutline(native).seqNums).toEqual(oneTo(points));
    });

    it('StreamRunDocuments in batches: a follower thousands of documents behind gets every one in order, in few messages; one that does not ask gets one a message', async () => {
      const points = 3000;
      const client = daemon.client();
      const { run } = await client.call(ControlService.method.startRun, scanRun(100, 30)); // 100 stage positions (its range), 30 events at each
      const uid = run?.uid ?? '';
      await followRun(client, uid); // the run has ended: every follower below starts 3000+ documents behind
      const single: RunDocument[] = [];
      for await (const message of client.stream(ControlService.method.streamRunDocuments, { runUid: uid })) {
        expect(message.documents).toHaveLength(0);
        expect(message.dropped).toBe(0);
        if (message.document !== undefined) single.push(message.document);
      }
      expect(single.map((d) => d.index)).toEqual(oneTo(single.length).map((i) => i - 1));
      expect(single.filter((d) => d.document.case === 'event')).toHaveLength(points);
      const sizes: number[] = [];
      const batched: RunDocument[] = [];
      for await (const message of client.stream(ControlService.method.streamRunDocuments, { runUid: uid, fromIndex: 0, acceptBatches: true })) {
        expect(message.document).toBeUndefined();
        expect(message.dropped).toBe(0);
        sizes.push(message.documents.length);
        batched.push(...message.documents);
      }
      expect(batched).toEqual(single);
      expect(Math.min(...sizes)).toBeGreaterThan(0);
      expect(Math.max(...sizes)).toBe(256);
      expect(sizes.length).toBeLessThan(single.length / 100);
      // Over Connect (the handler's message encoded by Connect itself), from the middle.
      const control = createClient(ControlService, transports['Connect']?.() as Transport);
      const connect: RunDocument[] = [];
      for await (const message of control.streamRunDocuments({ runUid: uid, fromIndex: 1000, acceptBatches: true })) connect.push(...message.documents);
      expect(connect).toEqual(single.slice(1000));
    });

    it('errors keep their code over Connect', async () => {
      const hardware = createClient(HardwareService, transports['Connect']?.() as Transport);
      const error = await hardware.readDevice({ device: 'stagee' }).catch((e: unknown) => ConnectError.from(e));
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.NotFound);
      expect((error as ConnectError).rawMessage).toContain('did you mean "stage"?');
    });
  });

  it('the standard health service answers SERVING, for the whole daemon and for each of its services', async () => {
    const client = new grpc.Client(daemon.address, grpc.credentials.createInsecure());
    shared.defer(() => client.close());
    const check = (request: Buffer) =>
      new Promise<{ code: grpc.status; response: number[] }>((resolve) =>
        client.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          request,
          (error, bytes) => resolve({ code: error?.code ?? grpc.status.OK, response: [...(bytes ?? [])] }),
        ),
      );
    // HealthCheckRequest { string service = 1 }: empty for the whole server.
    const service = (name: string) => Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name)]);
    // HealthCheckResponse { status = SERVING (1) }: field 1, varint 1.
    const serving = { code: grpc.status.OK, response: [0x08, 0x01] };
    expect(await check(Buffer.alloc(0))).toEqual(serving);
    expect(await check(service('daq.v1.ControlService'))).toEqual(serving);
    expect(await check(service('daq.v1.HardwareService'))).toEqual(serving);
    expect((await check(service('daq.v1.NoSuchService'))).code).toBe(grpc.status.NOT_FOUND);
  });
});
