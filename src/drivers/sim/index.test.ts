import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../capabilities/index.js';
import { DaqError, VirtualClock } from '../../core/index.js';
import { createDriverCatalog, type DriverContext } from '../../devices/index.js';
import { SIM_DRIVERS } from './index.js';

const context: DriverContext = {
  clock: new VirtualClock(),
  device: (name) => {
    throw new DaqError('not_found', `no device "${name}"`);
  },
};

/** What each driver's devices can do. */
const EXPECTED: Record<string, string[]> = {
  'sim-stage': ['Movable', 'Stoppable', 'Parameterized', 'TriggerSource'],
  'sim-camera': [
    'Triggerable', 'FrameProducer', 'ExposureControl', 'Cooled', 'RoiSelectable', 'TemperatureSensor', 'Stoppable',
    'Parameterized', 'HardwareTriggered',
  ],
  'sim-laser': ['Readable', 'ShutterControl', 'WavelengthTunable', 'EmissionControl', 'Stoppable', 'Parameterized'],
  'sim-power-meter': ['Readable', 'WavelengthTunable', 'Parameterized', 'HardwareTriggered'],
  'sim-thermometer': ['Readable', 'TemperatureSensor'],
  'sim-voltage-source': ['Readable', 'VoltageSource', 'Stoppable', 'Parameterized'],
  'sim-daq-card': ['Stoppable', 'AnalogInput', 'AnalogOutput', 'DigitalIO', 'Counter'],
};

describe('SIM_DRIVERS', () => {
  it('holds the seven simulated drivers, once each', () => {
    expect(SIM_DRIVERS.map((d) => d.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(() => createDriverCatalog(SIM_DRIVERS)).not.toThrow();
  });

  for (const definition of SIM_DRIVERS) {
    it(`${definition.name} works from its defaults alone and makes a disconnected device`, () => {
      const device = definition.create('dev', definition.options.parse({}), context);
      expect(device).toMatchObject({ name: 'dev', driver: definition.name, state: 'disconnected' });
      expect(capabilitiesOf(device)).toEqual(EXPECTED[definition.name]);
      expect(definition.summary).toMatch(/\S/);
    });

    it(`${definition.name} describes every option`, () => {
      const { shape } = definition.options as unknown as { shape: Record<string, { description?: string }> };
      for (const [name, field] of Object.entries(shape)) expect(field.description, name).toMatch(/\S/);
      expect(Object.keys(shape).every((name) => /^[a-z]+(_[a-z]+)*$/.test(name))).toBe(true);
    });

    it(`${definition.name} refuses unknown options`, () => {
      expect(() => definition.options.parse({ no_such_option: 1 })).toThrow(/no_such_option/);
    });
  }
});
