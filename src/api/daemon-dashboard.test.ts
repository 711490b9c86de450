/**
 * The API the web dashboard is built on, against the real daemon: the ring's timeline
 * (DescribeRing), chosen columns of a time window (ReadStreamRange), the editor's services
 * (CheckScript, CompleteScript, GetScriptTypes, GetScript), the camera stream switch
 * (SetFrameStream), device positions and camera geometry, and the dashboard's files served at `/`
 * of the HTTP address (never outside their folder, and not at all with --no-dashboard).
 */
import { request as httpRequest } from 'node:http';
import { tableFromIPC } from 'apache-arrow';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlService, RunState } from './gen/daq/v1/control_pb.js';
import { ExitStatus } from './gen/daq/v1/documents_pb.js';
import { HardwareService } from './gen/daq/v1/hardware_pb.js';
import { callRaw, type DaemonProcess, followRun, inlineRun, startDaemonProcess, TestProcesses } from './daemon.fixture.js';
import { readStreamRange } from './range-client.js';

const SNAP_SCAN = `for (let i = 0; i < 6; i++) {
  stage.moveAbs(i);
  record('scan', { position: stage.position(), image: camera.snap() });
}
`;

describe('the dashboard API', () => {
  const shared = new TestProcesses();
  let daemon: DaemonProcess;
  let http = '';
  let runUid = '';

  beforeAll(async () => {
    const dir = await shared.labDir();
    daemon = await startDaemonProcess(shared, dir, { http: true });
    http = (await daemon.client().call(ControlService.method.getDaemonInfo, {})).httpListen;
    const client = daemon.client();
    runUid = (await client.call(ControlService.method.startRun, inlineRun(SNAP_SCAN))).run?.uid ?? '';
    await followRun(client, runUid);
  }, 120_000);
  afterAll(() => shared.cleanup());

  it('DescribeRing tells each stream span, rows and fields, and the runs in that span', async () => {
    const ring = await daemon.client().call(ControlService.method.describeRing, {});
    const scan = ring.streams.find((s) => s.name === 'scan');
    expect(scan).toMatchObject({ rows: 6 });
    expect(scan?.fields.map((f) => [f.name, f.dtype, f.shape])).toEqual([
      ['position', 'float64', []],
      ['image', 'uint16', [32, 32]],
      ['image_exposure', 'float64', []], // each frame's own exposure
    ]);
    expect(scan?.tFirstS).toBeLessThan(scan?.tLastS ?? 0);
    const run = ring.runs.find((r) => r.uid === runUid);
    expect(run).toMatchObject({ scriptName: 'scan.js', state: RunState.FINISHED });
    expect(run?.startTimeS).toBeLessThanOrEqual(scan?.tFirstS ?? 0);
    expect(run?.endTimeS).toBeGreaterThanOrEqual(scan?.tLastS ?? 0);
    expect(ring.usedBytes).toBeGreaterThan(6 * 32 * 32 * 2);
  });

  it('ReadStreamRange gives only the asked columns, the newest rows, and leaves frames out when asked', async () => {
    const client = daemon.client();
    const one = async (request: Parameters<typeof readStreamRange>[1]) => {
      const parts = await readStreamRange(client, request);
      expect(parts).toHaveLength(1);
      return tableFromIPC(parts[0] as Uint8Array);
    };
    const some = await one({ stream: 'scan', fields: ['position'], lastRows: 2 });
    expect(some.schema.fields.map((f) => f.name)).toEqual(['run_uid', 'seq_num', 'time', 'position']);
    expect([...(some.getChild('position')?.toArray() as Float64Array)]).toEqual([4, 5]);
    const noFrames = await one({ stream: 'scan', withoutFrames: true });
    expect(noFrames.schema.fields.map((f) => f.name)).toEqual(['run_uid', 'seq_num', 'time', 'position', 'image_exposure']);
    expect(noFrames.numRows).toBe(6);
    const frame = await one({ stream: 'scan', fields: ['image'], lastRows: 1 });
    expect((frame.getChild('image')?.get(0) as Uint8Array).byteLength).toBe(32 * 32 * 2);
  });

  it('ReadStreamRange sends a range beyond 4 MiB in pieces of at most 1 MiB', async () => {
    const client = daemon.client();
    const wide = 'const a = []; for (let i = 0; i < 200000; i++) a.push(i);\nfor (let k = 0; k < 4; k++) record(\'wide\', { a });\n';
    const uid = (await client.call(ControlService.method.startRun, inlineRun(wide))).run?.uid ?? '';
    await followRun(client, uid);
    const sizes: number[] = [];
    for await (const piece of client.stream(ControlService.method.readStreamRange, { stream: 'wide' })) sizes.push(piece.arrowIpc.byteLength);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2 ** 20);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(4 * 1024 * 1024);
    const table = tableFromIPC((await readStreamRange(client, { stream: 'wide' }))[0] as Uint8Array);
    expect(table.numRows).toBe(4);
    expect(table.getChild('a')?.get(3)?.get(199_999)).toBe(199_999);
  });

  it('ReadStreamRange gives every row of a stream whose fields changed between runs, each run\'s rows with their own schema', async () => {
    const client = daemon.client();
    for (const source of ["for (let i = 0; i < 3; i++) record('changing', { power: i });\n", "for (let i = 0; i < 4; i++) record('changing', { power: 10 + i, label: `p${i}` });\n"]) {
      await followRun(client, (await client.call(ControlService.method.startRun, inlineRun(source))).run?.uid ?? '');
    }
    const parts = (await readStreamRange(client, { stream: 'changing' })).map((bytes) => tableFromIPC(bytes));
    expect(parts.map((t) => [t.numRows, t.schema.fields.map((f) => f.name)])).toEqual([
      [3, ['run_uid', 'seq_num', 'time', 'power']],
      [4, ['run_uid', 'seq_num', 'time', 'power', 'label']],
    ]);
    expect([...(parts[1]?.getChild('label') ?? [])]).toEqual(['p0', 'p1', 'p2', 'p3']);
    const newest = (await readStreamRange(client, { stream: 'changing', lastRows: 5 })).map((bytes) => tableFromIPC(bytes).numRows);
    expect(newest).toEqual([1, 4]);
  });

  it('CheckScript finds a bad device call with the span to underline; CompleteScript offers the device methods', async () => {
    const client = daemon.client();
    const source = 'stage.moveAbs(1);\ncamera.moveAbs(2);\n';
    const { problems } = await client.call(ControlService.method.checkScript, { name: 'scan.js', source });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 2, column: 8, code: 2339 });
    expect(source.slice(problems[0]?.start, problems[0]?.end)).toBe('moveAbs');
    expect((await client.call(ControlService.method.checkScript, { name: 'ok.ts', source: 'const x: number = stage.position();\nlog(x);\n' })).problems).toEqual([]);
    const typed = 'stage.mo';
    const completion = await client.call(ControlService.method.completeScript, { name: 'scan.js', source: typed, position: typed.length });
    expect(completion.from).toBe('stage.'.length);
    const moveAbs = completion.completions.find((c) => c.label === 'moveAbs');
    expect(moveAbs).toMatchObject({ kind: 'method' });
    expect(moveAbs?.detail).toMatch(/moveAbs\(.*\): void/);
    expect(completion.completions.map((c) => c.label)).not.toContain('snap');
    const types = await client.call(ControlService.method.getScriptTypes, {});
    expect(types.declarations).toMatch(/declare const camera:/);
  });

  it('GetScript returns a stored script with its source', async () => {
    const client = daemon.client();
    const { script } = await client.call(ControlService.method.uploadScript, { name: 'saved.js', source: "log('hi');\n" });
    const got = await client.call(ControlService.method.getScript, { scriptId: script?.scriptId ?? '' });
    expect(got).toMatchObject({ source: "log('hi');\n", script: { name: 'saved.js' } });
  });

  it('SetFrameStream starts and stops a camera, whose previews StreamFrames delivers; devices list position and camera geometry', async () => {
    const client = daemon.client();
    await client.call(HardwareService.method.setFrameStream, { device: 'camera', on: true });
    const controller = new AbortController();
    let frames = 0;
    for await (const frame of client.stream(HardwareService.method.streamFrames, { device: 'camera', maxFps: 50 }, controller.signal)) {
      expect([frame.width, frame.height]).toEqual([32, 32]);
      if (++frames === 3) controller.abort();
    }
    const { devices } = await client.call(HardwareService.method.listDevices, {});
    expect(devices.find((d) => d.name === 'camera')).toMatchObject({ state: 'busy', camera: { sensorWidth: 32, sensorHeight: 32, roiWidth: 32, frameWidth: 32 } });
    expect(devices.find((d) => d.name === 'stage')?.position).toBe(5);
    await client.call(HardwareService.method.setFrameStream, { device: 'camera', on: false });
    const after = (await client.call(HardwareService.method.listDevices, {})).devices.find((d) => d.name === 'camera');
    expect(after?.state).toBe('idle');
    const refused = await callRaw(daemon.address, HardwareService.method.setFrameStream, { device: 'stage', on: true });
    expect(refused.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/^stage \(sim-stage\) is not FrameProducer/);
  });

  it('a preview stream that starts the camera stops it when the last such stream ends (a tab that closes or crashes)', async () => {
    const client = daemon.client();
    const camera = async () => (await client.call(HardwareService.method.listDevices, {})).devices.find((d) => d.name === 'camera')?.state;
    expect(await camera()).toBe('idle');
    const open = async (start: boolean) => {
      const controller = new AbortController();
      const frames = client.stream(HardwareService.method.streamFrames, { device: 'camera', maxFps: 50, start }, controller.signal)[Symbol.asyncIterator]();
      expect((await frames.next()).done).toBe(false); // a frame: the camera streams
      return { close: () => controller.abort(), frames };
    };
    const first = await open(true);
    const second = await open(true);
    expect(await camera()).toBe('busy');
    first.close();
    await first.frames.next().catch(() => undefined);
    // The second tab still watches: the camera goes on.
    expect((await second.frames.next()).done).toBe(false);
    expect(await camera()).toBe('busy');
    second.close();
    await expect.poll(camera, { timeout: 30_000 }).toBe('idle');
    // Switched on with SetFrameStream, the camera stays on when a preview that asked to start it ends.
    await client.call(HardwareService.method.setFrameStream, { device: 'camera', on: true });
    const third = await open(true);
    third.close();
    await third.frames.next().catch(() => undefined);
    const watcher = await open(false);
    expect(await camera()).toBe('busy');
    watcher.close();
    await client.call(HardwareService.method.setFrameStream, { device: 'camera', on: false });
    expect(await camera()).toBe('idle');
  });

  it('a run comes first: a camera previewing for the dashboard stops streaming when a run starts, and the run can snap', async () => {
    const client = daemon.client();
    await client.call(HardwareService.method.setFrameStream, { device: 'camera', on: true });
    expect((await client.call(HardwareService.method.listDevices, {})).devices.find((d) => d.name === 'camera')?.state).toBe('busy');
    const uid = (await client.call(ControlService.method.startRun, inlineRun(SNAP_SCAN))).run?.uid ?? '';
    const followed = await followRun(client, uid);
    expect(followed.stop?.exitStatus, followed.stop?.reason).toBe(ExitStatus.SUCCESS);
    expect(followed.events).toHaveLength(6);
    expect((await client.call(HardwareService.method.listDevices, {})).devices.find((d) => d.name === 'camera')?.state).toBe('idle');
  });

  it('serves the dashboard at / beside the API, and nothing outside its folder', async () => {
    const page = await fetch(`http://${http}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="main.js">');
    expect((await fetch(`http://${http}/main.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Raw paths (fetch would resolve the dots itself): dist/web/../../package.json exists.
    for (const escape of ['/../../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json']) {
      const answer = await rawGet(http, escape);
      expect(answer.status, escape).toBe(404);
      expect(answer.body, escape).not.toContain('"devDependencies"');
    }
    expect((await fetch(`http://${http}/nothing.js`)).status).toBe(404);
  });

  it('serves no dashboard with --no-dashboard (the API stays)', async () => {
    const processes = new TestProcesses();
    try {
      const other = await startDaemonProcess(processes, await processes.labDir(), { http: true, args: ['--no-dashboard'] });
      const address = (await other.client().call(ControlService.method.getDaemonInfo, {})).httpListen;
      expect((await fetch(`http://${address}/`)).status).toBe(404);
      const rpc = await fetch(`http://${address}/daq.v1.ControlService/GetDaemonInfo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(rpc.status).toBe(200);
    } finally {
      await processes.cleanup();
    }
  }, 120_000);
});

/** GET of `path` exactly as given (no URL normalisation), for path-escape checks. */
function rawGet(address: string, path: string): Promise<{ status: number; body: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host, port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}
