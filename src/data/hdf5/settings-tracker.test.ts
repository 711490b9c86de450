/**
 * Which settings changed during a run, from the run-start values and each descriptor's
 * configuration: only real changes are logged, the first with the value known before it.
 */
import { describe, expect, it } from 'vitest';
import { type ConfigurationInfo, SettingsTracker } from './settings-tracker.js';

const START = [{ device: 'camera', driver: 'sim-camera', state: 'idle', settings: [{ name: 'exposure', value: 0.01, type: 'number', units: 's', description: '' }], unreadable: [] }];

function camera(values: Record<string, number | string>, timeS: number): Record<string, ConfigurationInfo> {
  const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [`camera_${k}`, v]));
  return {
    camera: {
      data,
      timestamps: Object.fromEntries(Object.keys(data).map((k) => [k, timeS])),
      dataKeys: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, { dtype: typeof v === 'string' ? 'string' : 'float64', units: k.endsWith('exposure') ? 's' : '' }])),
    },
  };
}

describe('SettingsTracker', () => {
  it('logs a change with the start value first, then only each later change, and a return to an earlier value too', () => {
    const tracker = new SettingsTracker(START, 100);
    expect(tracker.update(camera({ exposure: 0.01 }, 101), 101)).toEqual([]); // as at run start: nothing changed
    expect(tracker.update(camera({ exposure: 0.005 }, 102), 102)).toEqual([
      { device: 'camera', setting: 'exposure', units: 's', type: 'number', rows: [{ timeS: 100, value: 0.01 }, { timeS: 102, value: 0.005 }] },
    ]);
    expect(tracker.update(camera({ exposure: 0.005 }, 103), 103)).toEqual([]); // another stream's descriptor, same values
    expect(tracker.update(camera({ exposure: 0.01 }, 104), 104)).toEqual([{ device: 'camera', setting: 'exposure', units: 's', type: 'number', rows: [{ timeS: 104, value: 0.01 }] }]);
  });

  it('takes a setting not read at run start from its first configuration, and logs it from there when it changes', () => {
    const tracker = new SettingsTracker(START, 100);
    expect(tracker.update(camera({ mode: 'internal' }, 101), 101)).toEqual([]);
    expect(tracker.update(camera({ mode: 'external' }, 105), 105)).toEqual([
      { device: 'camera', setting: 'mode', units: '', type: 'string', rows: [{ timeS: 101, value: 'internal' }, { timeS: 105, value: 'external' }] },
    ]);
  });
});
