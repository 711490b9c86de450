/** The formatter people read values through: units, prefixes, precision, times, columns. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { displayUnits, formatColumns, formatTicks, isNumeric, formatDuration, formatNumber, formatQuantity, formatRate, formatTime, inputNumber, truncate, zoneLabel } from './index.js';

describe('formatQuantity', () => {
  it('shows the examples of the issue: SI prefix, unit, five significant digits', () => {
    expect(formatQuantity(9.98246e-7, 'W')).toBe('998.25 nW');
    expect(formatQuantity(21.9985, 'degC')).toBe('21.998 °C');
    expect(formatQuantity(12.5, 'mm')).toBe('12.500 mm');
    expect(formatQuantity(1.00281e-6, 'W')).toBe('1.0028 µW');
  });

  it('gives one notation to a column whatever the magnitude', () => {
    const column = [0.00000100281, 9.99003e-7, 1.2e-3, 0.5].map((v) => formatQuantity(v, 'W'));
    expect(column).toEqual(['1.0028 µW', '999.00 nW', '1.2000 mW', '500.00 mW']);
  });

  it('carries a rounding over into the next prefix', () => {
    expect(formatQuantity(999.9996e-9, 'W')).toBe('1.0000 µW');
    expect(formatQuantity(-999.9996e-9, 'W')).toBe('-1.0000 µW');
  });

  it('handles zero, negative values, NaN and infinities', () => {
    expect(formatQuantity(0, 'W')).toBe('0 W');
    expect(formatQuantity(0, 'mm')).toBe('0.0000 mm');
    expect(formatQuantity(-0.0042, 'V')).toBe('-4.2000 mV');
    expect(formatQuantity(-3.25, 'mm')).toBe('-3.2500 mm');
    expect(formatQuantity(Number.NaN, 'W')).toBe('NaN W');
    expect(formatQuantity(Number.POSITIVE_INFINITY, 'degC')).toBe('∞ °C');
    expect(formatQuantity(Number.NEGATIVE_INFINITY)).toBe('-∞');
  });

  it('uses exponents beyond the prefixes and for unprefixable units far from 1', () => {
    expect(formatQuantity(3e33, 'W')).toBe('3000.0 QW');
    expect(formatQuantity(2.5e40, 'W')).toBe('2.5000e+10 QW');
    expect(formatQuantity(1.5e-40, 'W')).toBe('1.5000e-10 qW');
    expect(formatQuantity(4.5e9, 'mm/s')).toBe('4.5000e+9 mm/s');
    expect(formatQuantity(1.00281e-6)).toBe('1.0028e-6');
  });

  it('never prefixes °C, %, dB, dBm, already prefixed or compound units', () => {
    expect(formatQuantity(0.0015, 'degC')).toBe('0.0015000 °C');
    expect(formatQuantity(0.0005, 'degC')).toBe('5.0000e-4 °C');
    expect(formatQuantity(-12.5, '°C')).toBe('-12.500 °C');
    expect(formatQuantity(0.25, '%')).toBe('0.25000 %');
    expect(formatQuantity(1500, 'dB')).toBe('1500.0 dB');
    expect(formatQuantity(-3.01, 'dBm')).toBe('-3.0100 dBm');
    expect(formatQuantity(1500, 'nm')).toBe('1500.0 nm');
    expect(formatQuantity(0.0002, 'mm/s^2')).toBe('2.0000e-4 mm/s^2');
  });

  it('keeps seconds and kelvin below kilo, but gives them small prefixes', () => {
    expect(formatQuantity(3600, 's')).toBe('3600.0 s');
    expect(formatQuantity(0.0005, 's')).toBe('500.00 µs');
    expect(formatQuantity(300, 'K')).toBe('300.00 K');
    expect(formatQuantity(0.004, 'K')).toBe('4.0000 mK');
    expect(formatQuantity(2.5e9, 'Hz')).toBe('2.5000 GHz');
  });

  it('shows counts and integer types exactly, huge counts included', () => {
    expect(formatQuantity(4095, 'counts')).toBe('4095 counts');
    expect(formatQuantity(12, '', { integer: true })).toBe('12');
    expect(formatQuantity(12)).toBe('12.000');
    expect(formatQuantity(123456789012, '', { integer: true })).toBe('123456789012');
    expect(formatQuantity(2.5, '', { integer: true })).toBe('2.5000');
    expect(formatQuantity(123456.7)).toBe('123457');
    expect(formatQuantity(12, 'mm')).toBe('12.000 mm');
  });

  it('takes another number of significant digits', () => {
    expect(formatQuantity(9.98246e-7, 'W', { digits: 4 })).toBe('998.2 nW');
    expect(formatQuantity(21.9985, 'degC', { digits: 3 })).toBe('22.0 °C');
  });

  it('writes units as people do', () => {
    expect(displayUnits('um')).toBe('µm');
    expect(displayUnits('ohm')).toBe('Ω');
    expect(formatQuantity(4700, 'ohm')).toBe('4.7000 kΩ');
    expect(displayUnits('W')).toBe('W');
  });
});

describe('formatNumber and inputNumber', () => {
  it('plain notation from 0.001 to a million, exponents outside', () => {
    expect(formatNumber(0.001)).toBe('0.0010000');
    expect(formatNumber(654321.4)).toBe('654321');
    expect(formatNumber(999999.6)).toBe('1.0000e+6');
    expect(formatNumber(0)).toBe('0.0000');
  });

  it('inputs get the shortest text of the value, not float noise', () => {
    expect(inputNumber(0.1 + 0.2)).toBe('0.3');
    expect(inputNumber(800)).toBe('800');
    expect(inputNumber(1e-7)).toBe('1e-7');
    expect(inputNumber(Number.NaN)).toBe('');
  });
});

describe('times and durations', () => {
  const zone = process.env['TZ'];
  beforeEach(() => {
    process.env['TZ'] = 'Europe/Berlin';
  });
  afterEach(() => {
    if (zone === undefined) delete process.env['TZ'];
    else process.env['TZ'] = zone;
  });

  it('shows a time as local ISO 8601 with milliseconds, not 1.79661e+9', () => {
    const t = Date.UTC(2026, 11, 7, 3, 14, 43, 123) / 1000;
    expect(formatTime(t)).toBe('2026-12-07T04:14:43.123');
    expect(formatTime(t, { timeOnly: true })).toBe('04:14:43.123');
    expect(formatTime(t, { zone: true })).toBe('2026-12-07T04:14:43.123+01:00');
    expect(formatTime(Date.UTC(2026, 6, 1, 0, 0, 0, 5) / 1000, { zone: true })).toBe('2026-07-01T02:00:00.005+02:00');
    expect(zoneLabel(t)).toBe('local time, UTC+01:00');
    expect(formatTime(Number.NaN)).toBe('–');
    expect(formatTime(0)).toBe('–');
  });

  it('rounds to the millisecond without carrying into a wrong second', () => {
    expect(formatTime(Date.UTC(2026, 0, 1, 0, 0, 0, 999) / 1000 + 0.0004, { timeOnly: true })).toBe('01:00:00.999');
    expect(formatTime(Date.UTC(2026, 0, 1, 0, 0, 0, 999) / 1000 + 0.0006, { timeOnly: true })).toBe('01:00:01.000');
  });

  it('shows durations in the units people count them', () => {
    expect(formatDuration(0.523)).toBe('0.52 s');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(59.97)).toBe('1 min 00 s');
    expect(formatDuration(245)).toBe('4 min 05 s');
    expect(formatDuration(2 * 3600 + 180)).toBe('2 h 03 min');
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3 d 04 h');
    expect(formatDuration(-1)).toBe('–');
  });

  it('shows rates with three significant digits', () => {
    expect(formatRate(12.345, 'events')).toBe('12.3 events/s');
    expect(formatRate(23456, 'rows')).toBe('23.5k rows/s');
  });
});

describe('formatColumns', () => {
  it('right-aligns columns of numbers and left-aligns words', () => {
    const table = formatColumns(['NAME', 'VALUE', 'NOTE'], [
      ['stage', '12.500 mm', 'position'],
      ['power_meter', '998.25 nW', ''],
      ['thermometer', '-1.2500 °C', 'ok'],
    ]);
    expect(table.split('\n')).toEqual([
      'NAME              VALUE  NOTE',
      'stage         12.500 mm  position',
      'power_meter   998.25 nW',
      'thermometer  -1.2500 °C  ok',
    ]);
  });

  it('aligns times and dates left, numbers with units right', () => {
    expect(isNumeric('2026-12-07T04:14:43.123')).toBe(false);
    expect(isNumeric('04:14:43.123')).toBe(false);
    expect(isNumeric('-1.0028e-6 W')).toBe(true);
    expect(isNumeric('12.500 mm/s^2')).toBe(true);
    expect(isNumeric('3 in scan, 2 in peaks')).toBe(false);
  });

  it('cuts long text with an ellipsis', () => {
    expect(truncate('a very long message', 8)).toBe('a very …');
    expect(truncate('short', 8)).toBe('short');
  });
});

describe('formatTicks', () => {
  it('gives an axis of small powers one prefix and readable ticks (not seven zeros)', () => {
    expect(formatTicks([0, 2e-7, 4e-7, 6e-7, 8e-7], 'W')).toEqual(['0 nW', '200 nW', '400 nW', '600 nW', '800 nW']);
    expect(formatTicks([0, 5e-7, 1e-6], 'W')).toEqual(['0.0 µW', '0.5 µW', '1.0 µW']);
    expect(formatTicks([9.95e-7, 9.96e-7, 9.97e-7], 'W')).toEqual(['995 nW', '996 nW', '997 nW']);
    expect(formatTicks([1.5e-12, 2e-12, 2.5e-12], 'W')).toEqual(['1.5 pW', '2.0 pW', '2.5 pW']);
    expect(formatTicks([2e12, 4e12], 'Hz')).toEqual(['2 THz', '4 THz']);
  });

  it('keeps units that take no prefix, with decimals from the tick step', () => {
    expect(formatTicks([10, 12.5, 15], 'mm')).toEqual(['10.0 mm', '12.5 mm', '15.0 mm']);
    expect(formatTicks([21.9, 22, 22.1], 'degC')).toEqual(['21.9 °C', '22.0 °C', '22.1 °C']);
    expect(formatTicks([-1, -0.5, 0, 0.5], '')).toEqual(['-1.0', '-0.5', '0.0', '0.5']);
  });

  it('gives bare numbers far from 1 a shared exponent from 1e-12 to 1e12', () => {
    expect(formatTicks([0, 1e-12, 2e-12, 3e-12])).toEqual(['0', '1e-12', '2e-12', '3e-12']);
    expect(formatTicks([1e12, 1.5e12, 2e12], 'counts')).toEqual(['1.0e12 counts', '1.5e12 counts', '2.0e12 counts']);
    expect(formatTicks([Number.NaN, 1])).toEqual(['', '1']);
  });
});
