/**
 * `daq run` as a person at a terminal sees it (a real pseudo-terminal, see terminal.fixture.ts):
 * the progress line with elapsed time, rate and ETA, Ctrl-C with a question that names its
 * keys and stays at the bottom while rows go on, and what each key does. Needs `dist/`.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, startDaemonProcess, TestProcesses } from '../api/daemon.fixture.js';
import { ControlService, RunState } from '../api/gen/daq/v1/control_pb.js';
import { daqInTerminal } from './terminal.fixture.js';

/** Ticks until aborted (about 100 s at most). */
const LONG = "log('ticking');\nfor (let i = 0; i < 1000; i++) { sleep(0.1); record('tick', { i }); progress(i + 1, 1000); }\n";

const perTest = new TestProcesses();
afterEach(() => perTest.cleanup());

/** The escape character that starts the terminal's control sequences (`ESC [2K` clears a line). */
const ESC = String.fromCharCode(0x1b);

/** A row of the tick stream, drawn on a line of its own (after a newline, or after the footer was cleared). */
const ROW = new RegExp(`(?:\\n|${ESC}\\[2K) +\\d+ +\\d\\d:\\d\\d:[\\d.]+ +\\d+\\.\\d+\\r?\\n`);

/** Where `text` last appears on the screen (-1: never). */
const last = (screen: string, text: string | RegExp): number => {
  if (typeof text === 'string') return screen.lastIndexOf(text);
  let at = -1;
  for (const match of screen.matchAll(new RegExp(text.source, 'g'))) at = match.index;
  return at;
};

describe('daq run in a terminal', () => {
  const shared = new TestProcesses();
  let daemon: DaemonProcess;
  let script = '';

  beforeAll(async () => {
    const dir = await shared.labDir();
    script = join(dir, 'long.js');
    await writeFile(script, LONG);
    daemon = await startDaemonProcess(shared, dir);
  }, 60_000);
  afterAll(() => shared.cleanup());

  it('--remote: progress with elapsed, rate and ETA; Ctrl-C asks d, s or c and the question stays at the bottom; d detaches', async () => {
    const t = daqInTerminal(perTest, ['run', script, '--remote', daemon.address]);
    const [, uid = ''] = await t.waitFor(/run (\S+) \(long\.js\) on \S+ started/);
    await t.waitFor(/\] \d+\/1000 {2}\d+% {2}[\d.]+ s elapsed {2}[\d.]+\/s {2}ETA \d+ min \d\d s {2}long\.js/);
    t.type('\x03');
    const question = 'Press d to detach (the run goes on in the daemon), s to stop the run, c to keep watching: ';
    await t.waitFor(/Press d to detach/);
    const asked = t.screen().length;
    // Rows go on while it asks; after each, the question is drawn again below the progress line.
    await t.waitFor(new RegExp(`[^]{${asked}}[^]*${ROW.source}[^]*${question.replace(/[().,]/g, '\\$&')}`));
    const screen = t.screen();
    expect(last(screen, question)).toBeGreaterThan(last(screen, ROW));
    expect(last(screen, question)).toBeGreaterThan(last(screen, 'ETA'));
    t.type('d');
    await t.waitFor(new RegExp(`detached; run ${uid} goes on in the daemon \\(daq follow ${uid}`));
    expect((await t.proc.exited).code).toBe(0);
    const client = daemon.client();
    expect((await client.call(ControlService.method.getRun, { uid })).run?.state).toBe(RunState.RUNNING);
    await client.call(ControlService.method.stopRun, { uid, reason: 'test over' });
  }, 120_000);

  it('--config: Ctrl-C pauses and asks r or a; r resumes, a second Ctrl-C and a abort safely (exit 3)', async () => {
    // a data directory of its own: not the checkout's daq-data (`make demo`'s daemon lists those runs), nor the daemon's
    const t = daqInTerminal(perTest, ['run', script, '--config', 'examples/lab.toml', '--data-dir', join(dirname(script), 'local-data')]);
    await t.waitFor(/ETA/);
    t.type('\x03');
    await t.waitFor(/Paused\. Press r to resume, a to abort \(devices go to their safe state\): /);
    t.type('x');
    t.type('r');
    await t.waitFor(new RegExp(`(?:\\n|${ESC}\\[2K)resumed\\r?\\n`));
    t.type('\x03');
    await t.waitFor(/Paused\.[^]*Paused\. Press r/);
    t.type('a');
    expect((await t.proc.exited).code).toBe(3);
    expect(t.screen()).toContain('daq: aborting the run; devices it used go to their safe state');
    expect(t.screen()).toMatch(/run \S+: abort after [\d.]+ s \(\d+ in tick\)/);
  }, 120_000);
});
