import { describe, expect, it } from 'vitest';
import type { QueuedRunRecord } from '../data/index.js';
import { decodeEntry, encodeEntry, inQueueOrder, type LabQueueEntry, orderAt, orderAtEnd, queueKey } from './queue-entry.js';

const record = (uid: string, queuedAtS = 1): QueuedRunRecord => ({ uid, scriptName: `${uid}.js`, source: `log('${uid}')`, params: {}, metadata: {}, limits: {}, queuedAtS, startedBy: 'local' });
const entry = (uid: string, order: number, queuedAtS = 1): LabQueueEntry => ({ record: record(uid, queuedAtS), daemon: 'b', submittedTo: 'a', order });

describe('lab queue entries', () => {
  it('round-trip through their bytes, and a value of another format or key is refused naming the key', () => {
    const e = entry('r1', 2);
    expect(decodeEntry(queueKey('r1'), encodeEntry(e))).toEqual(e);
    expect(() => decodeEntry('run.r2', encodeEntry(e))).toThrow('lab queue key run.r2 holds run r1');
    expect(() => decodeEntry('run.r1', new TextEncoder().encode('{"format":"other"}'))).toThrow('lab queue key run.r1: format "other"');
    expect(() => decodeEntry('run.r1', new TextEncoder().encode('{'))).toThrow('lab queue key run.r1: not JSON');
    expect(() => queueKey('a.b')).toThrow('run uid "a.b" cannot name a key');
  });

  it('sort by order, then by when they were queued, then by uid (two daemons adding at once pick the same order)', () => {
    const sorted = inQueueOrder([entry('c', 2), entry('b', 1, 5), entry('a', 1, 5), entry('z', 1, 3)]);
    expect(sorted.map((e) => e.record.uid)).toEqual(['z', 'a', 'b', 'c']);
  });

  it('place a run at any index between its neighbours, and say when they are too close', () => {
    const others = [entry('a', 1), entry('b', 2), entry('c', 3)];
    expect(orderAtEnd(others)).toBe(4);
    expect(orderAtEnd([])).toBe(1);
    expect(orderAt(others, 0)).toBe(0);
    expect(orderAt(others, 1)).toBe(1.5);
    expect(orderAt(others, 3)).toBe(4);
    expect(orderAt(others, 99)).toBe(4);
    expect(orderAt([], 0)).toBe(1);
    const moved = [...others.slice(0, 1), entry('x', orderAt(others, 1) ?? NaN), ...others.slice(1)];
    expect(inQueueOrder(moved).map((e) => e.record.uid)).toEqual(['a', 'x', 'b', 'c']);
    expect(orderAt([entry('a', 1), entry('b', 1 + Number.EPSILON)], 1)).toBeUndefined();
  });
});
