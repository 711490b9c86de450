/**
 * Whatever a lab config file holds: it loads, or it is refused with DaqErrors that say where
 * (file, and line where one exists); never a stack overflow, a TypeError, a hang, or a change to
 * every object of the process.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DaqError } from '../../src/core/index.js';
import { checkLabConfig } from '../../src/devices/lab-config.js';
import { DRIVERS } from '../../src/drivers/index.js';
import { fuzzParameters } from './fuzz-settings.js';

const LAB = readFileSync('examples/lab.toml', 'utf8');
const PIECES = ['[', ']', '{', '}', '"', "'", '"""', '=', '\n', '#', '.', ',', '__proto__', 'constructor', '1e999', '-', 'inf', 'nan', '[devices.x]', 'driver = "sim-stage"', '\\', '\u0000', 'ü'];

/** The example lab with a few random edits: pieces inserted, spans deleted. */
const mutatedLab = fc
  .array(fc.tuple(fc.nat({ max: LAB.length }), fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })), fc.nat({ max: 8 })), { minLength: 1, maxLength: 6 })
  .map((edits) => edits.reduce((text, [at, piece, cut]) => text.slice(0, at % (text.length + 1)) + piece + text.slice((at % (text.length + 1)) + cut), LAB));

/** Files built to break parsers: deep nesting, long strings, odd keys. */
const hostile = fc.oneof(
  fc.nat({ max: 30_000 }).map((depth) => `[devices.a]\ndriver = "sim-stage"\nx = ${'['.repeat(depth)}${']'.repeat(depth)}\n`),
  fc.nat({ max: 300_000 }).map((length) => `[devices.a]\ndriver = "sim-stage"\nnote = "${'a'.repeat(length)}"\n`),
  fc.nat({ max: 20_000 }).map((depth) => `[devices.a]\ndriver = "sim-stage"\nsettings = ${'{ a = '.repeat(depth)}1${' }'.repeat(depth)}\n`),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty').map((key) => `[devices.${key}]\ndriver = "sim-stage"\n[devices.b]\ndriver = "sim-stage"\nsettings = { ${key} = { driver = 1 } }\n`),
);

function loadsOrSaysWhere(source: string): void {
  try {
    checkLabConfig(source, 'lab.toml', DRIVERS);
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(DaqError);
    const e = error as DaqError;
    const located = [e, ...e.children].some((c) => c.location?.file === 'lab.toml');
    expect(located, e.message).toBe(true);
  }
  expect(({} as Record<string, unknown>)['driver']).toBeUndefined();
  expect(({} as Record<string, unknown>)['a']).toBeUndefined();
}

describe('lab config files under random edits', () => {
  it('the example lab, randomly edited: loads or is refused with the place', () => {
    fc.assert(fc.property(mutatedLab, loadsOrSaysWhere), fuzzParameters());
  });

  it('files built to break the parser: refused with the place, never a stack overflow', () => {
    fc.assert(fc.property(hostile, loadsOrSaysWhere), fuzzParameters(0.25));
  });
});
