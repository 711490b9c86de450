/**
 * The default plot of a stream: the detector against the motor(s), from the hints the run's
 * documents give, with sensible choices when they give none.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnPlan } from './fields.js';
import { choosePlot, isNexusName, nexusName, type PlotHints } from './nexus-plot.js';

function field(name: string, source: string, kind: ColumnPlan['kind'] = 'numeric', rowShape: number[] = []): ColumnPlan {
  return { column: name, name, h5dtype: '<d', rowShape, rowBytes: 8, kind, attrs: { units: '', source, dtype: 'float64' } };
}

const KEYS = [field('seq_num', '', 'bigint'), field('time', '')];
const NONE: PlotHints = { dimensions: [], motors: [], hinted: [] };

describe('choosePlot', () => {
  it('plots a line scan detector against the motor its start hints name', () => {
    const plans = [...KEYS, field('stage', 'stage'), field('stage_setpoint', 'stage'), field('power_meter', 'power_meter')];
    const hinted = [{ source: 'stage', field: 'stage' }, { source: 'power_meter', field: 'power_meter' }];
    expect(choosePlot(plans, { dimensions: ['stage'], motors: ['stage'], hinted })).toEqual({ signal: 'power_meter', rank: 1, axes: ['stage'] });
  });

  it('gives a grid scan both motors, outer first, and a count the time', () => {
    const plans = [...KEYS, field('stage_y', 'stage_y'), field('stage_y_setpoint', 'stage_y'), field('stage', 'stage'), field('stage_setpoint', 'stage'), field('power_meter', 'power_meter')];
    expect(choosePlot(plans, { dimensions: ['stage_y', 'stage'], motors: ['stage_y', 'stage'], hinted: [] }).axes).toEqual(['stage_y', 'stage']);
    expect(choosePlot([...KEYS, field('power_meter', 'power_meter')], { ...NONE, dimensions: ['time'] })).toEqual({ signal: 'power_meter', rank: 1, axes: ['time'] });
  });

  it('without hints, takes the position a motor reported (not its setpoint) as the axis and a device reading as the signal', () => {
    const plans = [...KEYS, field('i', 'script'), field('stage_setpoint', 'stage'), field('target', 'stage'), field('power', 'power_meter')];
    expect(choosePlot(plans, { ...NONE, motors: ['stage'] })).toEqual({ signal: 'power', rank: 1, axes: ['target'] });
  });

  it('prefers a device field the descriptor hints over the script\'s own numbers', () => {
    const plans = [...KEYS, field('count', 'script'), field('power', 'power_meter')];
    const hinted = [{ source: 'script', field: 'count' }, { source: 'power_meter', field: 'power' }];
    expect(choosePlot(plans, { ...NONE, hinted }).signal).toBe('power');
    expect(choosePlot([...KEYS, field('count', 'script')], { ...NONE, hinted: [{ source: 'script', field: 'count' }] }).signal).toBe('count');
  });

  it('plots frames as the signal when there is no scalar reading, with the motor as the axis of their first dimension', () => {
    const plans = [...KEYS, field('image', 'camera', 'frame', [16, 32]), field('image_exposure', 'camera'), field('x', 'stage')];
    expect(choosePlot(plans, { ...NONE, motors: ['stage'] })).toEqual({ signal: 'image', rank: 3, axes: ['x'] });
  });

  it('plots arrays before bools, and nothing for a stream of strings', () => {
    expect(choosePlot([...KEYS, field('flag', 'script', 'bool'), field('trace', 'scope', 'list', [3])], NONE)).toEqual({ signal: 'trace', rank: 2, axes: [] });
    expect(choosePlot([...KEYS, field('flag', 'script', 'bool')], NONE).signal).toBe('flag');
    expect(choosePlot([...KEYS, field('note', 'script', 'string')], NONE).signal).toBeUndefined();
  });

  it('plots a stream of motor positions alone against the event number', () => {
    expect(choosePlot([...KEYS, field('x', 'stage')], { ...NONE, motors: ['stage'] })).toEqual({ signal: 'x', rank: 1, axes: [] });
  });

  it('gives fields names NeXus accepts', () => {
    expect(isNexusName('power_meter')).toBe(true);
    expect(isNexusName('data.time')).toBe(true);
    expect(isNexusName('x pos')).toBe(false);
    expect(isNexusName('x-pos')).toBe(false);
    expect(['x pos', 'beam-power', '.hidden', 'température', ''].map(nexusName)).toEqual(['x_pos', 'beam_power', '_hidden', 'temp_rature', '_']);
    expect(['x pos', 'beam-power', '.hidden', 'température', ''].map(nexusName).every(isNexusName)).toBe(true);
  });
});
