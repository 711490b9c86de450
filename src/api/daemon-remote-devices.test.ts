/**
 * Remote devices across real daemons and a real nats-server (issue 18, part 4): daemon "host-a"
 * names a stage of daemon "stage-pc" and a camera of daemon "camera-pc" (all simulated labs) and
 * one script moves the one and snaps the other; the run check knows the remote capabilities; a
 * second daemon's run is refused a device leased to the first's; the owner SIGKILLed mid-run
 * faults the device, fails the run cleanly with what it recorded kept, and the device comes back
 * with its owner.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NatsServer } from '../cluster/nats.fixture.js';
import { tempDir } from '../test-support/cleanup.fixture.js';
import type { DaemonClient } from './client.js';
import { type DaemonProcess, followRun, inlineRun, ROOT, runOutline, startDaemonProcess, TestProcesses } from './daemon.fixture.js';
import { ControlService } from './gen/daq/v1/control_pb.js';
import type { RunDocument } from './gen/daq/v1/documents_pb.js';
import { HardwareService } from './gen/daq/v1/hardware_pb.js';

const processes = new TestProcesses();
afterEach((context) => processes.cleanup(context));

const STAGE_LAB = `[devices.stage]
driver = "sim-stage"
min = 0                      # mm
max = 100                    # mm
settings = { velocity = 100, acceleration = 2000 }   # mm/s, mm/s^2
`;

const CAMERA_LAB = `[devices.camera]
driver = "sim-camera"
width = 1024                 # px: a 2 MiB uint16 frame, over NATS's 1 MB max payload
height = 1024
exposure = 0.001             # s
`;

const DAQ_LAB = `[devices.daq]
driver = "sim-daq-card"          # ai2 counts samples: sample i is (i mod 10000) mV
`;

const remote = (name: string, daemon: string, device: string): string => `[devices.${name}]\ndriver = "remote"\ndaemon = "${daemon}"\ndevice = "${device}"\n`;

/** Starts daemon `name` of lab `lab` in the cluster of `nats` (the lab config written to `dir`, made when not given). */
async function daemon(nats: NatsServer, name: string, lab: string, dir?: string): Promise<DaemonProcess & { dir: string }> {
  const where = dir ?? (await tempDir(`daq-remote-${name}-`));
  await writeFile(join(where, 'lab.toml'), `[lab]\nname = "${name}"\n\n${lab}`);
  const started = await startDaemonProcess(processes, where, { args: ['--cluster', nats.url, '--name', name, '--lab', 'remote-test'] });
  // It says where it serves its devices (the subject's wildcard once made this line fail, and the
  // daemon said it could not serve them while it did).
  await started.proc.waitFor(/serving \d+ devices to the lab cluster on daq\.\S+\.device\.\*\n/, 'stderr');
  expect(started.proc.stderr).not.toContain('cannot serve the devices');
  return { ...started, dir: where };
}

/** The devices of a daemon as ListDevices gives them. */
async function devices(client: DaemonClient): Promise<Record<string, { state: string; capabilities: string[]; fault: string; position?: number | undefined }>> {
  const { devices: list } = await client.call(HardwareService.method.listDevices, {});
  return Object.fromEntries(list.map((d) => [d.name, { state: d.state, capabilities: d.capabilities, fault: d.fault, position: d.position }]));
}

/** Resolves when `client`'s device `name` is in `state`. */
async function untilState(client: DaemonClient, name: string, state: string): Promise<void> {
  await expect.poll(async () => (await devices(client))[name]?.state, { timeout: 60_000, interval: 100 }).toBe(state);
}

/**
 * A NATS server, daemon `owner` serving `lab`, and daemon host-a with the owner's `device` as
 * `name`; resolves once host-a sees it idle.
 */
async function ownerAndHostA(owner: string, lab: string, name: string, device: string) {
  const nats = await NatsServer.start();
  const ownerPc = await daemon(nats, owner, lab);
  const hostA = await daemon(nats, 'host-a', remote(name, owner, device));
  const a = hostA.client();
  await untilState(a, name, 'idle');
  return { nats, ownerPc, a };
}

/** Starts `source` on `client`'s daemon; resolves with its uid. */
async function start(client: DaemonClient, source: string, name = 'remote.js'): Promise<string> {
  const { run } = await client.call(ControlService.method.startRun, inlineRun(source, {}, name));
  return run?.uid ?? '';
}

/** Starts a run and follows it; `firstEvents` resolves once it has recorded `n` events. */
function startFollowing(client: DaemonClient, uid: string, n: number): { done: ReturnType<typeof followRun>; firstEvents: Promise<void> } {
  let seen = 0;
  let reached: () => void = () => undefined;
  const firstEvents = new Promise<void>((resolve) => (reached = resolve));
  const done = followRun(client, uid, (document: RunDocument) => {
    if (document.document.case === 'event' && ++seen === n) reached();
  });
  return { done, firstEvents };
}

describe('remote devices across daemons', () => {
  it("one script on host-a moves stage-pc's stage and snaps camera-pc's 1024x1024 camera; the run check knows what they can do", { timeout: 240_000 }, async () => {
    const nats = await NatsServer.start();
    const stagePc = await daemon(nats, 'stage-pc', STAGE_LAB);
    await daemon(nats, 'camera-pc', CAMERA_LAB);
    const hostA = await daemon(nats, 'host-a', remote('remote_stage', 'stage-pc', 'stage') + remote('remote_cam', 'camera-pc', 'camera'));
    const a = hostA.client();
    await untilState(a, 'remote_stage', 'idle');
    await untilState(a, 'remote_cam', 'idle');
    const listed = await devices(a);
    expect(listed['remote_stage']?.capabilities).toEqual(expect.arrayContaining(['Movable', 'Stoppable', 'Parameterized']));
    expect(listed['remote_stage']?.capabilities).not.toContain('TriggerSource');
    expect(listed['remote_cam']?.capabilities).toEqual(expect.arrayContaining(['FrameProducer', 'ExposureControl', 'RoiSelectable']));

    const uid = await start(a, `remote_stage.moveAbs(7.5);\nconst frame = remote_cam.snap();\nrecord('shot', { position: remote_stage.position(), image: frame });\n`);
    const run = await followRun(a, uid);
    expect(runOutline(run)).toMatchObject({ exitStatus: 'SUCCESS', numEvents: { shot: 1 } });
    const event = run.events[0];
    expect(event?.data['position']?.kind).toEqual({ case: 'number', value: expect.closeTo(7.5, 6) });
    const descriptor = run.documents.map((d) => d.document).find((d) => d.case === 'descriptor')?.value;
    expect(descriptor?.dataKeys['image']).toMatchObject({ shape: [1024, 1024], dtype: 'uint16' });
    expect((await devices(stagePc.client()))['stage']?.position).toBeCloseTo(7.5, 6);

    // The run check (at StartRun) has the remote capabilities: a stage cannot snap.
    await expect(start(a, 'remote_stage.snap();\n', 'wrong.js')).rejects.toThrow(/wrong\.js:1:\d+: .*'snap' does not exist on type/);

    // So has `daq check` of a lab config that names the cluster: it asks the owners.
    const checkDir = await tempDir('daq-remote-check-');
    await writeFile(join(checkDir, 'lab.toml'), `[lab]\ncluster = "${nats.url}"\ndaemon = "checker"\nid = "remote-test"\n\n${remote('remote_stage', 'stage-pc', 'stage')}`);
    await writeFile(join(checkDir, 'good.js'), 'remote_stage.moveAbs(1);\n');
    await writeFile(join(checkDir, 'wrong.js'), 'remote_stage.snap();\n');
    const check = async (script: string) => {
      const proc = processes.spawnNode([join(ROOT, 'dist/src/cli/main.js'), 'check', join(checkDir, script), '--config', join(checkDir, 'lab.toml')]);
      return { exit: await proc.exited, stdout: proc.stdout, stderr: proc.stderr };
    };
    expect(await check('good.js')).toMatchObject({ exit: { code: 0 }, stdout: expect.stringContaining('good.js: no problems') });
    expect(await check('wrong.js')).toMatchObject({ exit: { code: 2 }, stderr: expect.stringMatching(/wrong\.js:1:\d+: .*'snap' does not exist on type/) });
  });

  it("refuses a device leased to another daemon's run, naming the holder daemon and run, and gives it back when that run ends", { timeout: 240_000 }, async () => {
    const nats = await NatsServer.start();
    const owner = (await daemon(nats, 'stage-pc', STAGE_LAB)).client();
    const hostA = await daemon(nats, 'host-a', remote('remote_stage', 'stage-pc', 'stage'));
    const hostD = await daemon(nats, 'host-d', remote('shared_stage', 'stage-pc', 'stage'));
    const a = hostA.client();
    const d = hostD.client();
    await untilState(a, 'remote_stage', 'idle');
    await untilState(d, 'shared_stage', 'idle');

    const holding = await start(a, `for (let i = 0; ; i++) { record('hold', { at: remote_stage.position() }); sleep(0.05); }`, 'hold.js');
    const held = startFollowing(a, holding, 1);
    await held.firstEvents;
    const refused = await followRun(d, await start(d, `shared_stage.moveAbs(2);\n`));
    expect(runOutline(refused).exitStatus).toBe('FAIL');
    expect(refused.stop?.reason).toContain(`shared_stage: stage-pc/stage is leased to daemon "host-a" (run ${holding})`);
    // The owner's own runs are refused the leased stage too (its lease watch may take a moment).
    const ownRun = async (): Promise<string> => (await followRun(owner, await start(owner, `stage.position();\n`))).stop?.reason ?? '';
    await expect.poll(ownRun, { timeout: 60_000, interval: 200 }).toContain(`stage is in use by daemon "host-a"'s run ${holding} (leased in the lab cluster)`);

    await a.call(ControlService.method.stopRun, { uid: holding, reason: 'done holding' });
    expect(runOutline(await held.done).exitStatus).toBe('ABORT');
    const after = await followRun(d, await start(d, `shared_stage.moveAbs(2);\nrecord('moved', { position: shared_stage.position() });\n`));
    expect(runOutline(after)).toMatchObject({ exitStatus: 'SUCCESS', numEvents: { moved: 1 } });
    // Given back: the owner's runs use the stage again.
    await expect.poll(ownRun, { timeout: 60_000, interval: 200 }).toBe('');
  });

  it('the NATS server killed mid-run (the network gone): the device is faulted, the run fails keeping its events, and the device is back with the server', { timeout: 240_000 }, async () => {
    const { nats, a } = await ownerAndHostA('stage-pc', STAGE_LAB, 'remote_stage', 'stage');

    const uid = await start(a, `for (let i = 0; i < 100000; i++) { remote_stage.moveAbs(i % 50); record('scan', { i, position: remote_stage.position() }); }`, 'scan.js');
    const run = startFollowing(a, uid, 5);
    await run.firstEvents;
    await nats.kill();
    const followed = await run.done;
    expect(runOutline(followed)).toMatchObject({ exitStatus: 'FAIL', indexes: 'consecutive from 0', lastIsStop: true });
    expect(followed.stop?.reason).toMatch(/remote_stage: .*daemon "stage-pc"/);
    expect(followed.events.length).toBeGreaterThanOrEqual(5);
    expect((await devices(a))['remote_stage']?.state).toBe('faulted');

    await nats.start();
    await untilState(a, 'remote_stage', 'idle');
    const again = await followRun(a, await start(a, `remote_stage.moveAbs(4);\nrecord('back', { position: remote_stage.position() });\n`));
    expect(runOutline(again)).toMatchObject({ exitStatus: 'SUCCESS', numEvents: { back: 1 } });
  });

  it("a script on host-a streams daq-pc's DAQ card: every sample of 10 blocks arrives, in order; its outputs, lines and counter work remotely", { timeout: 240_000 }, async () => {
    const { a } = await ownerAndHostA('daq-pc', DAQ_LAB, 'remote_daq', 'daq');
    expect((await devices(a))['remote_daq']?.capabilities).toEqual(expect.arrayContaining(['AnalogInput', 'AnalogOutput', 'DigitalIO', 'Counter']));

    const script = [
      // a buffer of 10 s: the script's calls cross NATS on a loaded machine
      "remote_daq.configureAnalogInput({ rateHz: 10000, channels: ['ai2'], bufferSamplesPerChannel: 100000 });",
      'remote_daq.startAnalogInput();',
      'try {',
      "  for (let i = 0; i < 10; i++) { const b = remote_daq.readAnalogInput(1000); record('ai', { ai2: b.channels.ai2, first_sample: b.firstSample }); }",
      '} finally {',
      '  remote_daq.stopAnalogInput();',
      '}',
      "remote_daq.writeAnalogOutput('ao0', 1.25);",
      "remote_daq.writeLine('port0/line0', true);",
      "record('io', { ao0: remote_daq.analogOutput('ao0'), line4: remote_daq.readLine('port0/line4') ? 1 : 0, counts: remote_daq.readCounter('ctr0') });",
    ].join('\n');
    const run = await followRun(a, await start(a, `${script}\n`, 'remote-daq.js'));
    expect(runOutline(run), run.stop?.reason).toMatchObject({ exitStatus: 'SUCCESS', numEvents: { ai: 10, io: 1 } });
    const blocks = run.events.filter((e) => e.stream === 'ai');
    expect(blocks.map((e) => e.data['first_sample']?.kind.value)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    const samples = blocks.flatMap((e) => {
      const kind = e.data['ai2']?.kind;
      return kind?.case === 'numbers' ? kind.value.values : [];
    });
    expect(samples).toHaveLength(10_000);
    const wrong = samples.findIndex((v, i) => Math.abs(v - i * 1e-3) > 1e-9);
    expect(wrong, `sample ${wrong} is ${samples[wrong]} V, not ${wrong * 1e-3} V (lost or repeated samples)`).toBe(-1);
    const io = run.events.find((e) => e.stream === 'io')?.data ?? {};
    expect(io['ao0']?.kind).toEqual({ case: 'number', value: 1.25 });
    expect(io['line4']?.kind).toEqual({ case: 'number', value: 1 });
    expect(io['counts']?.kind.value).toBeGreaterThan(0);
  });

  it("a reply too big for NATS (a DAQ card's block over max_payload) fails the call saying so and what to do; the card can be used again", { timeout: 240_000 }, async () => {
    const { a } = await ownerAndHostA('daq-pc', DAQ_LAB, 'remote_daq', 'daq');
    // 4 channels x 40,000 samples: about 1.2 MB of JSON, over the server's default 1 MB
    const big = "remote_daq.configureAnalogInput({ rateHz: 20000, bufferSamplesPerChannel: 100000 });\nremote_daq.startAnalogInput();\ntry { record('ai', { ai0: remote_daq.readAnalogInput(40000).channels.ai0 }); } finally { remote_daq.stopAnalogInput(); }\n";
    const failed = await followRun(a, await start(a, big, 'big.js'));
    expect(runOutline(failed).exitStatus).toBe('FAIL');
    expect(failed.stop?.reason).toMatch(/remote_daq: readAnalogInput failed: daemon "daq-pc": daq: the reply of readAnalogInput is \d+ bytes, more than the NATS server's max_payload of 1048576 bytes allows; ask for less at a time/);
    expect((await devices(a))['remote_daq']).toMatchObject({ state: 'idle', fault: '' });
    const small = "remote_daq.configureAnalogInput({ rateHz: 20000, bufferSamplesPerChannel: 100000 });\nremote_daq.startAnalogInput();\ntry { record('ai', { ai0: remote_daq.readAnalogInput(1000).channels.ai0 }); } finally { remote_daq.stopAnalogInput(); }\n";
    expect(runOutline(await followRun(a, await start(a, small, 'small.js')))).toMatchObject({ exitStatus: 'SUCCESS', numEvents: { ai: 1 } });
  });

  it('the owner SIGKILLed mid-run: the device is faulted naming its owner, the run fails keeping its events and file, and the device is back with its owner', { timeout: 240_000 }, async () => {
    const { nats, ownerPc: stagePc, a } = await ownerAndHostA('stage-pc', STAGE_LAB, 'remote_stage', 'stage');

    const uid = await start(a, `for (let i = 0; i < 100000; i++) { remote_stage.moveAbs(i % 50); record('scan', { i, position: remote_stage.position() }); }`, 'scan.js');
    const run = startFollowing(a, uid, 5);
    await run.firstEvents;
    expect(await stagePc.proc.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    const followed = await run.done;
    expect(runOutline(followed)).toMatchObject({ exitStatus: 'FAIL', indexes: 'consecutive from 0', lastIsStop: true });
    expect(followed.stop?.reason).toMatch(/remote_stage: .*daemon "stage-pc" (does not answer|cannot be reached)/);
    expect(followed.events.length).toBeGreaterThanOrEqual(5);
    await expect.poll(async () => (await a.call(ControlService.method.getRun, { uid })).run?.fileFinished, { timeout: 60_000, interval: 50 }).toBe(true);
    const summary = (await a.call(ControlService.method.getRun, { uid })).run;
    expect(summary?.fileSizeBytes).toBeGreaterThan(0);
    expect(summary?.numEvents).toMatchObject({ scan: followed.events.length });
    const faulted = (await devices(a))['remote_stage'];
    expect(faulted?.state).toBe('faulted');
    expect(faulted?.fault).toMatch(/remote_stage: lost stage-pc\/stage: daemon "stage-pc"/);

    await daemon(nats, 'stage-pc', STAGE_LAB, stagePc.dir);
    await untilState(a, 'remote_stage', 'idle');
    const again = await followRun(a, await start(a, `remote_stage.moveAbs(3);\nrecord('back', { position: remote_stage.position() });\n`));
    expect(runOutline(again)).toMatchObject({ exitStatus: 'SUCCESS', numEvents: { back: 1 } });
    expect(again.events[0]?.data['position']?.kind).toEqual({ case: 'number', value: expect.closeTo(3, 6) });
  });
});

