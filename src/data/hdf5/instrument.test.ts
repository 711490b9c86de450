/**
 * The device settings recorded at run start: values with units, and a device that does not
 * answer is asked once, not once per setting (each unanswered read would hold the run's start).
 */
import { describe, expect, it } from 'vitest';
import type { ParameterInfo, ParameterValue } from '../../capabilities/index.js';
import { readInstrument } from './instrument.js';

function device(name: string, answer: (setting: string) => Promise<ParameterValue>) {
  const info = (setting: string): ParameterInfo => ({ name: setting, type: 'number', units: 'mm/s', writable: true, description: `${setting} of ${name}` });
  const asked: string[] = [];
  return {
    asked,
    name,
    driver: 'fake',
    state: 'idle',
    parameters: () => ['velocity', 'acceleration', 'jerk'].map(info),
    getParameter: (setting: string) => {
      asked.push(setting);
      return answer(setting);
    },
    setParameter: () => Promise.resolve(),
  };
}

describe('readInstrument', () => {
  it('reads every setting of a device that answers, and asks a silent device only once', async () => {
    const good = device('stage', (setting) => Promise.resolve(setting.length));
    const silent = device('mount', () => new Promise<ParameterValue>(() => undefined));
    const [stage, mount] = await readInstrument({ devices: () => [good, silent] }, 0.05);
    expect(stage?.settings.map((s) => [s.name, s.value, s.units])).toEqual([
      ['velocity', 8, 'mm/s'],
      ['acceleration', 12, 'mm/s'],
      ['jerk', 4, 'mm/s'],
    ]);
    expect(silent.asked).toEqual(['velocity']);
    expect(mount?.settings).toEqual([]);
    expect(mount?.unreadable).toEqual([
      'velocity: no answer within 0.05 s',
      'acceleration: not read (the device did not answer before)',
      'jerk: not read (the device did not answer before)',
    ]);
  });
});
