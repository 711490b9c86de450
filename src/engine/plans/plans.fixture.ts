/** Labs for the plans' tests: the simulated optics lab of examples/lab.toml, and two bare stages. */
import { isEmissionControl, isMovable, isReadable, isShutterControl } from '../../capabilities/index.js';
import { VirtualClock } from '../../core/index.js';
import { Lab, parseLabConfig } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import type { ScanDetector, ScanMotor } from './step-scan.js';

/** examples/lab.toml, connected on a virtual clock, with the laser lasing and its shutter open. */
export async function simulatedLab() {
  const clock = new VirtualClock();
  const lab = await Lab.load('examples/lab.toml', DRIVERS, clock);
  await lab.connect();
  const stage = lab.device('stage');
  const meter = lab.device('power_meter');
  const laser = lab.device('laser');
  const thermometer = lab.device('thermometer');
  if (!isMovable(stage) || !isReadable(meter) || !isShutterControl(laser) || !isEmissionControl(laser) || !isReadable(thermometer)) {
    throw new Error('examples/lab.toml no longer has a stage, a power meter, a laser and a thermometer');
  }
  await laser.enableEmission();
  await laser.openShutter();
  return { clock, lab, stage, meter, thermometer };
}

const XY_LAB = `
[devices.x]
driver = "sim-stage"
[devices.y]
driver = "sim-stage"
[devices.t]
driver = "sim-thermometer"
`;

/** Two simulated stages `x` and `y` (0..50 mm) and a thermometer `t`, connected on a virtual clock. */
export async function xyLab() {
  const lab = Lab.create(parseLabConfig(XY_LAB, 'xy.toml', DRIVERS), DRIVERS, new VirtualClock());
  await lab.connect();
  return { lab, x: lab.device('x') as ScanMotor, y: lab.device('y') as ScanMotor, t: lab.device('t') as ScanDetector };
}
