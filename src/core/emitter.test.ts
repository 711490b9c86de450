import { describe, expect, it, vi } from 'vitest';
import { Emitter } from './emitter.js';

describe('Emitter', () => {
  it('calls the listeners of the moment an emit starts, whatever they add or remove meanwhile', () => {
    const emitter = new Emitter<number>();
    const calls: string[] = [];
    const late = (n: number): void => void calls.push(`late ${n}`);
    let offSecond = (): void => {};
    emitter.on((n) => {
      calls.push(`first ${n}`);
      if (n === 1) {
        emitter.on(late); // from the next emit on
        offSecond(); // still called in this emit, not after
      }
    });
    offSecond = emitter.on((n) => void calls.push(`second ${n}`));
    emitter.emit(1);
    emitter.emit(2);
    expect(calls).toEqual(['first 1', 'second 1', 'first 2', 'late 2']);
    expect(emitter.size).toBe(2);
  });

  it('keeps one subscription of a listener added twice, and a listener that throws does not stop the others', () => {
    const emitter = new Emitter<string>();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const seen: string[] = [];
    const listener = (s: string): void => void seen.push(s);
    emitter.on(() => {
      throw new Error('broken listener');
    });
    const off = emitter.on(listener);
    emitter.on(listener);
    emitter.emit('a');
    off();
    emitter.emit('b');
    off(); // a second call changes nothing
    expect(seen).toEqual(['a']);
    expect(emitter.size).toBe(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/broken listener/);
    warn.mockRestore();
  });
});
