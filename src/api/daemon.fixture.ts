/**
 * Helpers for tests of the real daemon: a small simulated lab in a temp dir, the built
 * `daq daemon` as a child process (ready when it prints its address), clients in the test
 * process and in child processes, a deliberately stalled client, and run-following helpers.
 * Needs `dist/` (`make build`). Everything started goes through a {@link TestProcesses}, whose
 * `cleanup()` (in `afterEach`/`afterAll`) kills what a failed test left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, type DescMessage, type DescMethod, fromBinary, type MessageInitShape, type MessageShape, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { DaemonClient } from './client.js';
import { ControlService, type StartRunRequestSchema } from './gen/daq/v1/control_pb.js';
import { type Event, ExitStatus, type RunDocument, type RunStart, type RunStop } from './gen/daq/v1/documents_pb.js';

/** The repository root (the daemon's working directory). */
export const ROOT = join(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist/src');

/**
 * The test lab: a stage fast enough that a 1 mm step takes ~55 ms of real time (triangular
 * profile 2·sqrt(1 mm / 2000 mm/s²) ≈ 45 ms, plus 10 ms settling), and a small camera.
 */
export const LAB_TOML = `[lab]
name = "api test lab"

[devices.stage]
driver = "sim-stage"
min = 0                      # mm
max = 100                    # mm
settings = { velocity = 100, acceleration = 2000 }   # mm/s, mm/s^2

[devices.camera]
driver = "sim-camera"
width = 32                   # px
height = 32                  # px
`;

/**
 * A step scan: \`points\` 1 mm steps of the stage, \`repeat\` events at each, each event with a
 * \`width\`-long trace (big events fill a client's HTTP/2 flow-control window quickly).
 */
export const SCAN_SCRIPT = `const points = Number(params.points ?? 10);
const repeat = Number(params.repeat ?? 1);
const width = Number(params.width ?? 0);
const trace = [];
for (let k = 0; k < width; k++) trace.push(k);
for (let i = 0; i < points; i++) {
  stage.moveAbs(i);
  for (let j = 0; j < repeat; j++) {
    record('scan', width > 0 ? { point: i, position: stage.position(), trace } : { point: i, position: stage.position() });
  }
  progress(i + 1, points);
}
`;

/** A StartRun request for an inline script with number parameters. */
export function inlineRun(source: string, params: Record<string, number> = {}, name = 'scan.js'): MessageInitShape<typeof StartRunRequestSchema> {
  return {
    script: { case: 'inline', value: { name, source } },
    params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { kind: { case: 'number', value: v } }])),
  };
}

/** A StartRun request for {@link SCAN_SCRIPT}: `points` × `repeat` events. */
export function scanRun(points: number, repeat = 1, width = 0): MessageInitShape<typeof StartRunRequestSchema> {
  return inlineRun(SCAN_SCRIPT, { points, repeat, width });
}

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process with its output collected. */
export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private readonly watchers = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.heard(() => (this.stdout += chunk.toString())));
    child.stderr?.on('data', (chunk: Buffer) => this.heard(() => (this.stderr += chunk.toString())));
    this.exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        this.heard(() => undefined);
        resolve(this.exit);
      }),
    );
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /**
   * Resolves with the first match of `pattern` in its output; rejects if it exits first, or
   * after `giveUpS` (only so that a failure shows the output, rather than a bare test timeout).
   */
  waitFor(pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout', giveUpS = 60): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        this.watchers.delete(check);
        reject(new Error(`${why} before printing ${pattern} on ${stream}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      };
      const timer = setTimeout(() => fail(`still waiting after ${giveUpS} s`), giveUpS * 1000);
      const check = (): void => {
        const match = pattern.exec(this[stream]);
        if (match !== null) {
          clearTimeout(timer);
          this.watchers.delete(check);
          resolve(match);
        } else if (this.exit !== undefined) {
          clearTimeout(timer);
          fail(`process exited (${JSON.stringify(this.exit)})`);
        }
      };
      this.watchers.add(check);
      check();
    });
  }

  /** The JSON lines it printed on stdout. */
  jsonLines<T>(): T[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as T);
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  private heard(update: () => void): void {
    update();
    for (const check of [...this.watchers]) check();
  }
}

/** Children, clients and temp dirs of a test (or a describe); `cleanup()` ends them all. */
export class TestProcesses {
  private readonly procs = new Set<Proc>();
  private readonly cleanups: (() => unknown)[] = [];

  /** Starts `node args...` in the repository root. */
  spawnNode(args: readonly string[]): Proc {
    const proc = new Proc(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    this.procs.add(proc);
    return proc;
  }

  /** The children started since the last cleanup, oldest first. */
  started(): Proc[] {
    return [...this.procs];
  }

  /** Runs `fn` at cleanup (closing clients, removing temp dirs). */
  defer(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  /** A new temp dir holding `lab.toml`, removed at cleanup. */
  async labDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'daq-api-test-'));
    await writeFile(join(dir, 'lab.toml'), LAB_TOML);
    this.defer(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /**
   * Kills every child still running (SIGCONT first, in case one was stopped), then runs the deferred
   * cleanups. Given the test's context (`afterEach((context) => processes.cleanup(context))`), a
   * failed test prints the end of each child's stderr first, so a CI log says what the daemons saw.
   */
  async cleanup(context?: { task: { name: string; result?: { state?: string } } }): Promise<void> {
    const procs = [...this.procs];
    if (context?.task.result?.state === 'fail') {
      for (const [i, proc] of procs.entries()) {
        const tail = proc.stderr.split('\n').slice(-40).join('\n');
        process.stderr.write(`--- "${context.task.name}" failed: child ${i + 1} of ${procs.length} (${proc.child.spawnargs.slice(1, 3).join(' ')}), last lines of stderr:\n${tail}\n`);
      }
    }
    this.procs.clear();
    for (const proc of procs) {
      if (!proc.running) continue;
      proc.child.kill('SIGCONT');
      proc.child.kill('SIGKILL');
    }
    await Promise.all(procs.map((proc) => proc.exited));
    for (const fn of this.cleanups.splice(0).reverse()) await fn();
  }
}

/** How to start a daemon process. */
export interface DaemonStart {
  /** Default `127.0.0.1:0`. */
  listen?: string;
  /** Serve Connect/gRPC-Web on `127.0.0.1:0` too. */
  http?: boolean;
  tokensFile?: string;
  /** More command-line arguments (`--grace 1`). */
  args?: readonly string[];
  /** The ring's path; `default` for the daemon's own choice (/dev/shm). Default: `test.ring` in the data directory. */
  ring?: string;
}

/** A daemon child process, ready. */
export interface DaemonProcess {
  proc: Proc;
  /** Where to connect (`127.0.0.1:PORT`, also when it listens on 0.0.0.0). */
  address: string;
  /** The address as the daemon printed it. */
  listening: string;
  dataDir: string;
  /** A native gRPC client, closed at cleanup. */
  client(token?: string): DaemonClient;
}

/** Starts `daq daemon` on the lab of `dir` (see {@link TestProcesses.labDir}); resolves when it listens. */
export async function startDaemonProcess(processes: TestProcesses, dir: string, options: DaemonStart = {}): Promise<DaemonProcess> {
  const dataDir = join(dir, 'data');
  const ring = options.ring ?? join(dataDir, 'test.ring');
  const args = [join(DIST, 'cli/main.js'), 'daemon', '--config', join(dir, 'lab.toml'), '--listen', options.listen ?? '127.0.0.1:0', '--data-dir', dataDir, ...(ring === 'default' ? [] : ['--ring', ring]), '--ring-size', '8'];
  if (options.http === true) args.push('--http-listen', '127.0.0.1:0');
  if (options.tokensFile !== undefined) args.push('--tokens', options.tokensFile);
  const proc = processes.spawnNode([...args, ...(options.args ?? [])]);
  const [, listening = ''] = await proc.waitFor(/daq daemon listening on (\S+)\n/);
  const address = listening.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
  return {
    proc,
    address,
    listening,
    dataDir,
    client: (token?: string) => {
      const client = new DaemonClient(address, token === undefined ? {} : { token });
      processes.defer(() => client.close());
      return client;
    },
  };
}

/** A tokens file (TOML, see auth.ts) in `dir`; returns its path. */
export async function writeTokens(dir: string, tokens: readonly { name: string; role: string; token: string }[]): Promise<string> {
  const file = join(dir, 'tokens.toml');
  await writeFile(file, tokens.map((t) => `[[token]]\nname = "${t.name}"\nrole = "${t.role}"\ntoken = "${t.token}"\n`).join('\n'));
  return file;
}

/** What a client saw of a run. */
export interface FollowedRun {
  documents: RunDocument[];
  start: RunStart | undefined;
  events: Event[];
  stop: RunStop | undefined;
}

/** Follows run `runUid` from `fromIndex` until the server ends the stream; `onDocument` hears each document as it comes. */
export async function followRun(client: DaemonClient, runUid: string, onDocument?: (document: RunDocument) => void, fromIndex = 0): Promise<FollowedRun> {
  const followed: FollowedRun = { documents: [], start: undefined, events: [], stop: undefined };
  for await (const document of client.documents(runUid, fromIndex)) {
    collect(followed, document);
    onDocument?.(document);
  }
  return followed;
}

function collect(followed: FollowedRun, document: RunDocument): void {
  followed.documents.push(document);
  if (document.document.case === 'start') followed.start = document.document.value;
  if (document.document.case === 'event') followed.events.push(document.document.value);
  if (document.document.case === 'stop') followed.stop = document.document.value;
}

/** What a test checks of a followed run: its ending and the order of what it saw. */
export function runOutline(followed: FollowedRun): { exitStatus: string; numEvents: Record<string, number>; seqNums: number[]; indexes: string; lastIsStop: boolean } {
  const indexes = followed.documents.map((d) => d.index);
  return {
    exitStatus: ExitStatus[followed.stop?.exitStatus ?? ExitStatus.UNSPECIFIED],
    numEvents: { ...followed.stop?.numEvents },
    seqNums: followed.events.map((e) => e.seqNum),
    indexes: indexes.every((index, i) => index === i) ? 'consecutive from 0' : `out of order: ${indexes.join(',')}`,
    lastIsStop: followed.documents.at(-1)?.document.case === 'stop',
  };
}

/** 1..n. */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** A gRPC status as a raw client sees it. */
export interface RawStatus<O> {
  code: grpc.status;
  details: string;
  response: O | undefined;
}

/** Calls a unary method with grpc-js directly, to see the exact status code. */
export function callRaw<I extends DescMessage, O extends DescMessage>(
  address: string,
  method: DescMethod & { methodKind: 'unary'; input: I; output: O },
  request: MessageInitShape<I>,
  token?: string,
): Promise<RawStatus<MessageShape<O>>> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      `/${method.parent.typeName}/${method.name}`,
      (message: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, message))),
      (bytes: Buffer) => fromBinary(method.output, bytes),
      request,
      metadata,
      { deadline: Date.now() + 60_000 },
      (error, response) => {
        client.close();
        resolve(error ? { code: error.code, details: error.details, response: undefined } : { code: grpc.status.OK, details: '', response: response as MessageShape<O> });
      },
    );
  });
}

/**
 * A client that opens a server stream and never reads it: a raw HTTP/2 stream, paused, on its
 * own connection. Once the server has filled the stream's flow-control window (64 KiB) its
 * writes to this client must wait; grpc-js's own client would not do (its `pause()` keeps
 * reading and buffering). `drain()` reads everything at last.
 */
export class StalledStream<O extends DescMessage> {
  private readonly session: http2.ClientHttp2Session;
  private readonly stream: http2.ClientHttp2Stream;
  private grpcStatus: string | undefined;

  constructor(
    address: string,
    private readonly method: DescMethod & { methodKind: 'server_streaming'; output: O },
    request: Uint8Array,
  ) {
    this.session = http2.connect(`http://${address}`);
    this.session.on('error', () => undefined);
    this.stream = this.session.request({ ':method': 'POST', ':path': `/${method.parent.typeName}/${method.name}`, 'content-type': 'application/grpc', te: 'trailers' });
    this.stream.on('error', () => undefined);
    const status = (headers: http2.IncomingHttpHeaders): void => {
      const value = headers['grpc-status'];
      if (typeof value === 'string') this.grpcStatus = value;
    };
    this.stream.on('response', status);
    this.stream.on('trailers', status);
    const frame = Buffer.alloc(5 + request.length);
    frame.writeUInt32BE(request.length, 1);
    frame.set(request, 5);
    this.stream.end(frame);
    this.stream.pause();
  }

  /** Opens a stalled StreamRunDocuments of `runUid` from index 0. */
  static runDocuments(address: string, runUid: string): StalledStream<typeof ControlService.method.streamRunDocuments.output> {
    const method = ControlService.method.streamRunDocuments;
    return new StalledStream(address, method, toBinary(method.input, create(method.input, { runUid })));
  }

  /** Starts reading; resolves when the server ends the stream, with what it sent. */
  async drain(): Promise<{ messages: MessageShape<O>[]; bytes: number; grpcStatus: string | undefined }> {
    const chunks: Buffer[] = [];
    this.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
    this.stream.resume();
    await ended;
    const body = Buffer.concat(chunks);
    const messages: MessageShape<O>[] = [];
    for (let at = 0; at + 5 <= body.length; ) {
      const length = body.readUInt32BE(at + 1);
      messages.push(fromBinary(this.method.output, body.subarray(at + 5, at + 5 + length)));
      at += 5 + length;
    }
    this.close();
    return { messages, bytes: body.length, grpcStatus: this.grpcStatus };
  }

  /** Drops the connection. */
  close(): void {
    this.session.destroy();
  }
}

/**
 * Writes a client program to `dir`, run as `node follower.mjs ADDRESS start 'REQUEST-JSON'` (starts a
 * run, then follows it) or `node follower.mjs ADDRESS follow UID`. It prints one JSON line per
 * document: `{"run": uid}` first, then `{"index", "event": seq_num}` and `{"index", "stop": {...}}`.
 */
export async function writeFollowerScript(dir: string): Promise<string> {
  const file = join(dir, 'follower.mjs');
  const client = pathToFileURL(join(DIST, 'api/client.js')).href;
  const control = pathToFileURL(join(DIST, 'api/gen/daq/v1/control_pb.js')).href;
  await writeFile(
    file,
    `import { DaemonClient } from '${client}';
import { ControlService } from '${control}';
const [address, mode, arg] = process.argv.slice(2);
const say = (line) => process.stdout.write(JSON.stringify(line) + '\\n');
const client = new DaemonClient(address);
const uid = mode === 'start' ? (await client.call(ControlService.method.startRun, JSON.parse(arg))).run.uid : arg;
say({ run: uid });
for await (const { document } of client.stream(ControlService.method.streamRunDocuments, { runUid: uid })) {
  const { case: kind, value } = document.document;
  if (kind === 'event') say({ index: document.index, event: value.seqNum });
  if (kind === 'stop') say({ index: document.index, stop: { exitStatus: value.exitStatus, numEvents: value.numEvents } });
}
client.close();
`,
  );
  return file;
}

/** A line printed by the follower script. */
export interface FollowerLine {
  run?: string;
  index?: number;
  event?: number;
  stop?: { exitStatus: number; numEvents: Record<string, number> };
}
