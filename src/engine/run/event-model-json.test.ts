import { describe, expect, it } from 'vitest';
import { eventFloats, eventJson, floatJson } from './event-model-json.js';

describe("an event's JSON written by the fast path", () => {
  it('is the text the general writer makes, for every kind of value, float field and edge of JSON', () => {
    let seed = 4242;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const numbers = [0, -0, 1, -1, 2, 0.1, 1e21, 1e300, -1e-7, 123456789012, NaN, Infinity, -Infinity, 2 ** 53, 79.99];
    const texts = ['', 'a', 'µ-meter', '"quoted"\n', '日本', 'lone \uD800 surrogate'];
    const value = (depth = 0): unknown =>
      pick([
        () => pick(numbers),
        () => pick(texts),
        () => random() < 0.5,
        () => null,
        () => undefined,
        () => Array.from({ length: Math.floor(random() * 4) }, () => (depth < 2 ? value(depth + 1) : pick(numbers))),
        () => (depth < 2 ? { a: value(depth + 1), '2': pick(numbers), b: undefined } : {}),
      ])();
    const names = ['x', 'power_meter', '', '2', '10', 'time', 'data', 'ü', '"q"'];
    let floatsSeen = 0;
    for (let i = 0; i < 2000; i++) {
      const data: Record<string, unknown> = {};
      const timestamps: Record<string, unknown> = {};
      for (let f = Math.floor(random() * 5); f > 0; f--) {
        const field = pick(names);
        data[field] = value();
        timestamps[field] = pick(numbers);
      }
      const floatFields = new Set(names.filter(() => random() < 0.5));
      const doc: Record<string, unknown> = { uid: pick(['ev-1', undefined]), time: pick(numbers), seq_num: pick([1, 2, 2 ** 32]), descriptor: 'd-1', data, timestamps, filled: {} };
      if (random() < 0.05) doc['data'] = pick([[1, 2.5], 3, null]); // not an object: the general writer's way too
      const expected = floatJson(doc, eventFloats(floatFields));
      if (expected.includes('.0')) floatsSeen++;
      expect(eventJson(doc, floatFields)).toBe(expected);
    }
    expect(floatsSeen).toBeGreaterThan(500); // the float rule was exercised, not just plain JSON
  });
});
