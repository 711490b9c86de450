/** What the simulated devices read back now (the values `daq devices` and ListDevices show), by capability. */
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/index.js';
import { DRIVERS } from '../index.js';
import type { Device } from '../../devices/device.js';
import { Lab } from '../../devices/lab.js';
import { readBacks } from '../../devices/readbacks.js';

describe('readBacks', () => {
  it('reads position, wavelength, shutter, emission, temperatures, exposure and voltage of the simulated lab, with units', async () => {
    const lab = await Lab.load('examples/lab.toml', DRIVERS, createSystemClock());
    await lab.connect();
    try {
      const of = async (name: string, measure = false): Promise<Record<string, unknown>> =>
        Object.fromEntries((await readBacks(lab.device(name), { measure })).values.map((v) => [v.name, [v.value, v.units]]));
      expect(await of('stage')).toEqual({ position: [0, 'mm'] });
      expect(await of('laser')).toEqual({ wavelength: [800, 'nm'], shutter_open: [false, ''], emission: [false, ''] });
      expect(await of('laser', true)).toMatchObject({ power: [0, 'W'] });
      const camera = await of('camera');
      expect(Object.keys(camera)).toEqual(['temperature', 'temperature_setpoint', 'exposure']);
      expect(camera['exposure']).toEqual([expect.any(Number), 's']);
      expect(await of('piezo_bias')).toEqual({ voltage: [0, 'V'] });
      // A thermometer is a TemperatureSensor and Readable: its temperature is listed once.
      const thermometer = await readBacks(lab.device('thermometer'), { measure: true });
      expect(thermometer.values.map((v) => [v.name, v.units])).toEqual([['temperature', 'degC']]);
      const meter = await of('power_meter', true);
      expect(meter['power']).toEqual([expect.any(Number), 'W']);
    } finally {
      await lab.disconnect();
    }
  });

  it('gives nothing for a device that is not connected', async () => {
    const lab = await Lab.load('examples/lab.toml', DRIVERS, createSystemClock());
    expect(await readBacks(lab.device('stage'))).toEqual({ values: [], unreadable: [] });
  });

  it('notes a readback that does not answer, and does not ask that device again', async () => {
    const stuck = {
      name: 'stuck',
      driver: 'test',
      state: 'idle',
      fault: undefined,
      units: 'mm',
      connect: async () => undefined,
      disconnect: async () => undefined,
      onStateChange: () => () => undefined,
      moveAbs: async () => undefined,
      moveRel: async () => undefined,
      position: () => new Promise<number>(() => undefined),
      waitSettled: async () => undefined,
      stop: async () => undefined,
      limits: async () => ({ min: 0, max: 1 }),
      setWavelength: async () => undefined,
      wavelength: async () => 800,
      wavelengthRange: () => ({ min: 700, max: 900 }),
    } as unknown as Device;
    const result = await readBacks(stuck, { timeoutS: 0.05 });
    expect(result.values).toEqual([]);
    expect(result.unreadable).toEqual(['position: no answer within 0.05 s', 'wavelength: not read (the device did not answer before)']);
  });
});
