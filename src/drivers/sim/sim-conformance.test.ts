/**
 * Every simulated driver against the conformance suites of every capability it has
 * (`conformanceFor` finds them), each device on its own auto-advancing virtual clock.
 */
import { conformanceFor, connectHarness, type Harness } from '../../conformance/index.js';
import { isEmissionControl, isShutterControl } from '../../capabilities/index.js';
import { DaqError, VirtualClock } from '../../core/index.js';
import type { Device, DriverDefinition } from '../../devices/index.js';
import { SIM_DRIVERS } from './index.js';

function driver(name: string): DriverDefinition {
  const definition = SIM_DRIVERS.find((d) => d.name === name);
  if (definition === undefined) throw new Error(`no simulated driver "${name}"`);
  return definition;
}

/** A little lab on one clock: devices made by name from `drivers`, looked up by each other. */
function lab(clock: VirtualClock): (name: string, driverName: string, options?: Record<string, unknown>) => Device {
  const devices = new Map<string, Device>();
  const context = {
    clock,
    device: (name: string): Device => {
      const device = devices.get(name);
      if (device === undefined) throw new DaqError('not_found', `no device "${name}" in the lab`);
      return device;
    },
  };
  return (name, driverName, options = {}) => {
    const definition = driver(driverName);
    const device = definition.create(name, definition.options.parse(options), context);
    devices.set(name, device);
    return device;
  };
}

/** A harness of one device of driver `driverName`, alone in its lab. */
function alone(driverName: string, options: Record<string, unknown> = {}): () => Promise<Harness> {
  return () => {
    const clock = new VirtualClock();
    return connectHarness(clock, lab(clock)(driverName, driverName, options));
  };
}

/** A power meter that sees a laser (emitting, shutter open) through an aperture on a stage. */
async function powerMeterLab(): Promise<Harness> {
  const clock = new VirtualClock();
  const make = lab(clock);
  const laser = make('laser', 'sim-laser');
  const stage = make('stage', 'sim-stage');
  const meter = make('meter', 'sim-power-meter', { laser: 'laser', stage: 'stage' });
  if (!isEmissionControl(laser) || !isShutterControl(laser)) throw new Error('sim-laser has no emission or shutter');
  const harness = await connectHarness(clock, meter, [laser, stage]);
  await laser.enableEmission();
  await laser.openShutter();
  return harness;
}

conformanceFor('sim-stage', alone('sim-stage'));
conformanceFor('sim-camera', alone('sim-camera', { width: 64, height: 48 }));
conformanceFor('sim-laser', alone('sim-laser'));
conformanceFor('sim-power-meter', powerMeterLab);
conformanceFor('sim-thermometer', alone('sim-thermometer'));
conformanceFor('sim-voltage-source', alone('sim-voltage-source'));
conformanceFor('sim-daq-card', alone('sim-daq-card'));
