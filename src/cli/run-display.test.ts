/** The live run view: every stream's rows, columns under their headers, the footer that stays. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DataKey, EventDescriptor, RunEvent } from '../engine/index.js';
import { progressLine, ProgressRate } from './progress-line.js';
import { RunDisplay } from './run-display.js';

function terminal(): { out: PassThrough & { columns: number }; text: () => string } {
  const out = Object.assign(new PassThrough(), { columns: 200 });
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { out, text: () => text };
}

const scalar = (units: string): DataKey => ({ dtype: 'float64', shape: [], units, source: 'script' });

function descriptor(name: string, dataKeys: Record<string, DataKey>): EventDescriptor {
  return { kind: 'descriptor', uid: `d-${name}`, runStart: 'r', name, timeS: 0, dataKeys };
}

function event(stream: string, seqNum: number, data: RunEvent['data']): RunEvent {
  return { kind: 'event', uid: `${stream}-${seqNum}`, descriptor: `d-${stream}`, stream, seqNum, timeS: 1.8e9 + seqNum, data, timestamps: {} };
}

/** The columns of the line under a header: start index of each header name. */
function columnsOf(header: string, names: string[]): number[] {
  return names.map((n) => header.indexOf(n) + n.length);
}

describe('RunDisplay', () => {
  it('shows the rows of a slow stream between a fast one (the [peaks] of multi_instrument.js)', () => {
    const { out, text } = terminal();
    let now = 0;
    const display = new RunDisplay(out, { interactive: false, freeRows: 5, maxRowsPerS: 10, nowMs: () => now });
    display.document(descriptor('scan', { power: scalar('W') }));
    display.document(descriptor('peaks', { wavelength: scalar('nm'), best_power: scalar('W') }));
    for (let wl = 0; wl < 3; wl++) {
      for (let i = 1; i <= 100; i++) {
        now += 5;
        display.document(event('scan', wl * 100 + i, { power: (wl * 100 + i) * 1e-9 }));
      }
      display.document(event('peaks', wl + 1, { wavelength: 760 + 40 * wl, best_power: 2.452 }));
    }
    display.document({ kind: 'stop', uid: 's', runStart: 'r', timeS: 0, exitStatus: 'success', reason: '', numEvents: {} });
    display.finish();
    const lines = text().split('\n');
    const peaks = lines.filter((l) => l.includes('2.4520 W'));
    expect(peaks).toHaveLength(3);
    expect(peaks.map((l) => /(\d+\.\d+) nm/.exec(l)?.[1])).toEqual(['760.00', '800.00', '840.00']);
    // Each peaks row comes under a [peaks] header, not under the scan's columns.
    for (const row of peaks) {
      const above = lines.slice(0, lines.indexOf(row));
      expect(above.findLast((l) => /^\[\w+\]$/.test(l))).toBe('[peaks]');
      expect(above.at(-1)).toMatch(/^ seq {2}time +wavelength {2}best_power$/);
    }
    // The fast stream: its first rows, its newest row, and how many were not shown.
    expect(text()).toContain('300.00 nW');
    expect(text()).toMatch(/not shown: scan: \d+ of 300 rows; all are recorded/);
  });

  it('puts each value under its own header, whatever the order of the event data, with frames as wide as they are', () => {
    const { out, text } = terminal();
    const display = new RunDisplay(out, { interactive: false });
    display.document(descriptor('frames', { bias: scalar('V'), image: { dtype: 'uint16', shape: [512, 512], units: '', source: 'camera' }, mean: scalar(''), peak: scalar('counts') }));
    const frame = { width: 512, height: 512, dtype: 'uint16' } as unknown as RunEvent['data'][string];
    display.document(event('frames', 1, { peak: 1178, mean: 115.81, image: frame, bias: 1.4043e-4 }));
    display.document(event('frames', 2, { image: frame, bias: 12.5, mean: 115.64, peak: 1175 }));
    display.finish();
    const lines = text().split('\n').filter((l) => l !== '');
    const header = lines[1] as string;
    const ends = columnsOf(header, ['bias', 'mean', 'peak']);
    for (const row of lines.slice(2, 4)) {
      const cells = ['V', '115.', 'counts'].map((s, i) => (i === 1 ? row.indexOf(s) : row.indexOf(s) + s.length));
      expect(row.slice(0, ends[0])).toMatch(/ (µ)?V$/);
      expect(cells[2]).toBe(ends[2]);
      expect(row).toContain('<512x512 uint16>');
    }
    expect(lines[2]).toContain('140.43 µV');
    expect(lines[2]).toMatch(/115\.81\s+1178 counts/);
  });

  it('prints the header again when a value is wider than its column, so the columns stay aligned', () => {
    const { out, text } = terminal();
    const display = new RunDisplay(out, { interactive: false });
    display.document(descriptor('log', { note: { dtype: 'string', shape: [], units: '', source: 'script' }, x: scalar('mm') }));
    display.document(event('log', 1, { note: 'ok', x: 1 }));
    display.document(event('log', 2, { note: 'a much longer note', x: 2 }));
    display.finish();
    const lines = text().split('\n').filter((l) => l.startsWith(' seq') || /^\s+\d/.test(l));
    expect(lines).toHaveLength(4);
    // The last column is right-aligned: header and row end together, before and after widening.
    expect(lines[0]?.length).toBe(lines[1]?.length);
    expect(lines[2]?.length).toBe(lines[3]?.length);
    expect(lines[3]).toContain('a much longer note');
  });

  it('keeps a question visible at the bottom while rows go on, under the progress line', () => {
    const { out, text } = terminal();
    const display = new RunDisplay(out, { interactive: true, label: 'scan.js' });
    display.document(descriptor('scan', { x: scalar('mm') }));
    display.progress({ done: 1, total: 4, elapsedS: 1 });
    display.prompt('Press d to detach, s to stop: ');
    display.document(event('scan', 1, { x: 1 }));
    // After the row, the footer is drawn again: progress line, then the question, last.
    const after = text().slice(text().lastIndexOf('1.0000 mm'));
    expect(after).toMatch(/\n\[#{8}-{22}\] 1\/4 {2}25%.*scan\.js\nPress d to detach, s to stop: $/);
    display.prompt(undefined);
    display.finish();
    expect(text().endsWith('Press d to detach, s to stop: ')).toBe(false);
  });
});

describe('progress line', () => {
  it('shows elapsed time, rate and time left', () => {
    const rate = new ProgressRate();
    expect(rate.update({ done: 1, total: 11, elapsedS: 4 })).toBeUndefined();
    const r = rate.update({ done: 3, total: 11, elapsedS: 5 });
    expect(r).toBe(2);
    expect(progressLine({ done: 3, total: 11, elapsedS: 5 }, r, 'scan.js')).toBe('[########----------------------] 3/11  27%  5.00 s elapsed  2/s  ETA 4.00 s  scan.js');
    expect(progressLine({ done: 0, total: 11, elapsedS: 0 }, undefined, 'x')).toContain('ETA –');
  });

  it('starts a new stretch when a plan inside the script counts its own points', () => {
    const rate = new ProgressRate();
    rate.update({ done: 10, total: 11, elapsedS: 10 });
    rate.update({ done: 11, total: 11, elapsedS: 11 });
    expect(rate.update({ done: 1, total: 3, elapsedS: 11 })).toBeUndefined();
    expect(rate.update({ done: 1, total: 11, elapsedS: 12 })).toBeUndefined();
    expect(rate.update({ done: 5, total: 11, elapsedS: 14 })).toBe(2);
  });
});
