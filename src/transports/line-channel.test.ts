/**
 * The line channel over a real PTY (socat) with a scripted instrument at the other end: replies
 * never mix however many callers ask at once, a late reply is not taken for the next one's,
 * timeouts and aborts end an exchange without hanging the queue, and retries happen only when asked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaqError } from '../core/index.js';
import { createLineChannel, type LineChannel } from './line-channel.js';
import { openSerialPort } from './serial.js';
import { LineSimulator, servePty, type Reply } from './sim/index.js';
import type { TrafficDirection } from './traffic-log.js';

/** Echoes `ECHO x` after `delay` ms; counts `COUNT` commands; ignores `MUTE`. */
class Scripted extends LineSimulator {
  readonly instrument = 'scripted';
  counted = 0;
  handle(command: string, reply: Reply): void {
    const [word, argument = '', delay = '0'] = command.split(' ');
    if (word === 'ECHO') setTimeout(() => reply(argument), Number(delay));
    if (word === 'COUNT') {
      this.counted++;
      if (this.counted > 1) reply(String(this.counted));
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'daq-line-'));
const instrument = new Scripted();
const server = await servePty(instrument, join(dir, 'tty'));
const port = await openSerialPort(server.path, { baudRate: 9600 });
const traffic: [TrafficDirection, string][] = [];
// Timing is real (a PTY, a simulator answering after set delays): every race a test sets up has
// margins of most of a second, and a reply that should come has seconds, so that a loaded machine
// (`make test-under-load`) decides nothing.
const channel: LineChannel = createLineChannel(port, { writeTerminator: '\r\n', timeoutS: 5, quietS: 1.5 }, (direction, _port, text) => traffic.push([direction, text]));
afterAll(async () => {
  await port.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once `line` has been dropped (received when nobody waited for it). */
async function dropped(line: string): Promise<void> {
  while (!traffic.some(([direction, text]) => direction === 'drop' && text === line)) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('line channel', () => {
  it('answers concurrent queries each with its own reply, in order, even when replies come slowly', async () => {
    const replies = await Promise.all(['a', 'b', 'c', 'd'].map((x, i) => channel.query(`ECHO ${x} ${(4 - i) * 10}`)));
    expect(replies).toEqual(['a', 'b', 'c', 'd']);
  });

  it('times out with the command named; the late reply is dropped, not taken by the next query', async () => {
    const late = channel.query('ECHO stale 1500', { timeoutS: 0.2 });
    await expect(late).rejects.toMatchObject({ code: 'deadline_exceeded', message: expect.stringContaining('no reply to "ECHO stale 1500" within 0.2 s') });
    await dropped('stale');
    expect(await channel.query('ECHO fresh')).toBe('fresh');
  });

  it('after an abandoned exchange, waits for the line to go quiet: a reply just late is dropped', async () => {
    const late = channel.query('ECHO tardy 800', { timeoutS: 0.05 });
    await expect(late).rejects.toMatchObject({ code: 'deadline_exceeded' });
    // Asked at once: the channel first waits for quiet, and the tardy reply arrives meanwhile.
    expect(await channel.query('ECHO prompt')).toBe('prompt');
    expect(traffic).toContainEqual(['drop', 'tardy']);
  });

  it('retries a timed-out query only when asked', async () => {
    instrument.counted = 0;
    await expect(channel.query('COUNT', { timeoutS: 1 })).rejects.toBeInstanceOf(DaqError);
    instrument.counted = 0;
    expect(await channel.query('COUNT', { retries: 1, timeoutS: 1 })).toBe('2');
  });

  it('an aborted exchange rejects with cancelled and the queue goes on', async () => {
    const abort = new AbortController();
    const slow = channel.query('ECHO x 1500', { signal: abort.signal, timeoutS: 5 });
    setTimeout(() => abort.abort(), 20);
    await expect(slow).rejects.toMatchObject({ code: 'cancelled' });
    await dropped('x');
    expect(await channel.query('ECHO next')).toBe('next');
  });

  it('takes only the lines a query accepts; others are dropped', async () => {
    const reply = channel.query('ECHO 1PO00000001', { accept: (line) => line.startsWith('0'), timeoutS: 2 });
    await dropped('1PO00000001'); // it came while the query waited, and was not taken
    await expect(reply).rejects.toMatchObject({ code: 'deadline_exceeded' });
  });
});
