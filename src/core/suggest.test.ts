import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from './suggest.js';

describe('suggestions', () => {
  it('counts typos people make as one edit each', () => {
    expect(editDistance('stage', 'stagee')).toBe(1);
    expect(editDistance('stage', 'stgae')).toBe(1);
    expect(editDistance('Stage', 'stage')).toBe(0);
    expect(editDistance('thermometer', 'laser')).toBeGreaterThan(3);
  });

  it('suggests the closest name only when it is a plausible typo', () => {
    expect(closest('sim-camra', ['sim-stage', 'sim-camera'])).toBe('sim-camera');
    expect(closest('thermocouple', ['stage', 'camera'])).toBeUndefined();
    expect(didYouMean('lasr', ['laser', 'stage'])).toBe('; did you mean "laser"?');
    expect(didYouMean('xyz', ['laser'])).toBe('');
  });
});
