import { describe, expect, it } from 'vitest';
import { checkScript, labDeclarations } from '../../scripting/types/index.js';
import type { EventDescriptor, RunEvent, RunStart } from './documents.js';
import { engineFor, runScript } from './run-engine.fixture.js';

const events = (documents: unknown[], stream = 'primary') =>
  documents.filter((d): d is RunEvent => (d as RunEvent).kind === 'event' && (d as RunEvent).stream === stream);
const descriptor = (documents: unknown[], stream = 'primary') =>
  documents.find((d): d is EventDescriptor => (d as EventDescriptor).kind === 'descriptor' && (d as EventDescriptor).name === stream);

describe('any settable quantity is a plan axis', () => {
  it('a raster of stage position x laser wavelength is one gridScan, with both units recorded', async () => {
    const { engine, documents, lab } = await engineFor();
    const script = `laser.enableEmission(); laser.openShutter();
gridScan(stage, laser.wavelength, power_meter, { outer: { start: 12, stop: 13, num: 3 }, inner: { start: 760, stop: 840, num: 3 } });`;
    const { stop } = await runScript(engine, script);
    expect(stop).toMatchObject({ exitStatus: 'success', numEvents: { primary: 9 } });
    const keys = descriptor(documents)?.dataKeys ?? {};
    expect(Object.keys(keys)).toEqual(['stage', 'stage_setpoint', 'laser_wavelength', 'laser_wavelength_setpoint', 'power_meter']);
    expect(keys['stage']).toMatchObject({ units: 'mm', source: 'stage' });
    expect(keys['laser_wavelength']).toMatchObject({ units: 'nm', source: 'laser' });
    expect(keys['laser_wavelength_setpoint']).toMatchObject({ units: 'nm', source: 'laser' });
    const rows = events(documents).map((e) => [e.data['stage_setpoint'], e.data['laser_wavelength_setpoint']]);
    expect(rows).toEqual([[12, 760], [12, 800], [12, 840], [12.5, 760], [12.5, 800], [12.5, 840], [13, 760], [13, 800], [13, 840]]);
    // the wavelength read back is where the laser was tuned, at each point
    for (const e of events(documents)) expect(e.data['laser_wavelength']).toBeCloseTo(e.data['laser_wavelength_setpoint'] as number, 6);
    const start = documents.find((d): d is RunStart => d.kind === 'start');
    expect(start).toMatchObject({ motors: ['stage', 'laser_wavelength'], hints: { dimensions: [[['stage'], 'primary'], [['laser_wavelength'], 'primary']] } });
    await lab.disconnect();
  });

  it('a device with one settable quantity is an axis by itself: a voltage source, in volts', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(engine, `const pts = lineScan(piezo_bias, thermometer, { start: 0, stop: 10, num: 3 });
log(pts.map(function (p) { return p.positions.piezo_bias_voltage; }).join(','));`);
    expect(stop.exitStatus).toBe('success');
    expect(descriptor(documents)?.dataKeys['piezo_bias_voltage']).toMatchObject({ units: 'V', source: 'piezo_bias' });
    expect(events(documents).map((e) => e.data['piezo_bias_voltage_setpoint'])).toEqual([0, 5, 10]);
    await lab.disconnect();
  });

  it('a camera can set two quantities: it must be told which; its exposure is scanned in seconds', async () => {
    const { engine, documents, lab } = await engineFor();
    const ambiguous = await runScript(engine, `lineScan(camera, power_meter, { start: 0.001, stop: 0.002, num: 2 });`);
    expect(ambiguous.stop.exitStatus).toBe('fail');
    expect(ambiguous.stop.reason).toContain('lineScan: camera can set exposure and temperature: say which, e.g. camera.exposure');
    const { stop } = await runScript(engine, `listScan(camera.setExposure, power_meter, { positions: [0.001, 0.004], stream: 'exposures' });`);
    expect(stop.exitStatus).toBe('success');
    expect(descriptor(documents, 'exposures')?.dataKeys['camera_exposure']).toMatchObject({ units: 's', source: 'camera' });
    expect(events(documents, 'exposures').map((e) => e.data['camera_exposure'])).toEqual([0.001, 0.004]);
    await lab.disconnect();
  });

  it('refuses what cannot be set, naming the device and what it is, before anything moves', async () => {
    const { engine, lab } = await engineFor();
    const { stop } = await runScript(engine, `lineScan(thermometer, power_meter, { start: 0, stop: 1, num: 2 });`);
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toContain('lineScan: thermometer has nothing a scan can set (it is Readable, TemperatureSensor)');
    const quantity = await runScript(engine, `lineScan(thermometer.temperature, power_meter, { start: 0, stop: 1, num: 2 });`);
    expect(quantity.stop.reason).toContain('lineScan: the axis must be a device of the lab or a quantity it can set');
    const range = await runScript(engine, `gridScan(stage, laser.wavelength, power_meter, { outer: { start: 0, stop: 1, num: 2 }, inner: { start: 600, stop: 800, num: 2 } });`);
    expect(range.stop.reason).toContain('laser_wavelength: scan 600..800 nm leaves the limits 690..1040 nm');
    expect(await (lab.device('stage') as unknown as { position(): Promise<number> }).position()).toBe(0);
    await lab.disconnect();
  });

  it('relative: positions are offsets from where each axis is, and the axes go back there after', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(engine, `stage.moveAbs(20); laser.setWavelength(900);
productScan([{ axis: stage, start: -1, stop: 1, num: 3 }, { axis: laser.wavelength, start: -10, stop: 10, num: 2 }], power_meter, { relative: true, snake: true });
record('after', { stage: stage.position(), wl: laser.wavelength() });`);
    expect(stop.exitStatus).toBe('success');
    expect(events(documents).map((e) => [e.data['stage_setpoint'], e.data['laser_wavelength_setpoint']])).toEqual([
      [19, 890], [19, 910], [20, 910], [20, 890], [21, 890], [21, 910],
    ]);
    const [after] = events(documents, 'after');
    expect(after?.data['stage']).toBeCloseTo(20, 6);
    expect(after?.data['wl']).toBeCloseTo(900, 6);
    await lab.disconnect();
  });

  it('innerScan sets several axes together; a three-axis snake changes one axis at a time', async () => {
    const { engine, documents, lab } = await engineFor();
    const { stop } = await runScript(engine, `innerScan([{ axis: stage, start: 0, stop: 2 }, { axis: piezo_bias, start: 10, stop: 30 }], thermometer, { num: 3 });
productScan([{ axis: stage, start: 0, stop: 1, num: 2 }, { axis: piezo_bias, start: 0, stop: 1, num: 2 }, { axis: laser, start: 700, stop: 800, num: 2 }], thermometer, { snake: true, stream: 'cube' });`);
    expect(stop.exitStatus).toBe('success');
    expect(events(documents).map((e) => [e.data['stage_setpoint'], e.data['piezo_bias_voltage_setpoint']])).toEqual([[0, 10], [1, 20], [2, 30]]);
    const cube = events(documents, 'cube').map((e) => [e.data['stage_setpoint'], e.data['piezo_bias_voltage_setpoint'], e.data['laser_wavelength_setpoint']] as number[]);
    expect(cube).toHaveLength(8);
    expect(new Set(cube.map((p) => p.join())).size).toBe(8);
    for (let i = 1; i < cube.length; i++) {
      expect(cube[i]!.filter((v, k) => v !== cube[i - 1]![k]).length).toBe(1);
    }
    await lab.disconnect();
  });

  it('daq check accepts a quantity as an axis and refuses what cannot be set', async () => {
    const { lab } = await engineFor();
    const declarations = labDeclarations(lab);
    const ok = `gridScan(stage, laser.wavelength, power_meter, { outer: { start: 0, stop: 1, num: 2 }, inner: { start: 700, stop: 800, num: 2 } });
lineScan(piezo_bias, power_meter, { start: 0, stop: 1, num: 2, relative: true });
productScan([{ axis: camera.exposure, start: 0.001, stop: 0.01, num: 3 }, { axis: camera.temperatureSetpoint, start: -20, stop: -10, num: 2 }], power_meter);`;
    expect(checkScript(ok, 'ok.js', declarations)).toEqual([]);
    const bad = checkScript(`lineScan(thermometer, power_meter, { start: 0, stop: 1, num: 2 });\nlineScan(thermometer.temperature, power_meter, { start: 0, stop: 1, num: 2 });`, 'bad.js', declarations);
    expect(bad.map((d) => d.line)).toEqual([1, 2]);
    await lab.disconnect();
  });
});
