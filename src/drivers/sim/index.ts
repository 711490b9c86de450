/**
 * Simulated devices: real devices with physics (trapezoidal moves, a tuning curve, a cooled
 * sensor with shot noise), waiting only on the lab's clock, for developing and testing
 * experiments without hardware. `SIM_DRIVERS` is their driver catalog entry list.
 */
import type { DriverDefinition } from '../../devices/index.js';
import { simCameraDriver } from './sim-camera.js';
import { simDaqCardDriver } from './sim-daq-card.js';
import { simLaserDriver } from './sim-laser.js';
import { simPowerMeterDriver } from './sim-power-meter.js';
import { simStageDriver } from './sim-stage.js';
import { simThermometerDriver } from './sim-thermometer.js';
import { simVoltageSourceDriver } from './sim-voltage-source.js';

export { SimCamera, simCameraDriver } from './sim-camera.js';
export { SIM_RAMP_PERIOD, SIM_RAMP_STEP_V, SimDaqCard, simDaqCardDriver, simDaqCardOptions, type SimDaqCardOptions } from './sim-daq-card.js';
export { simCameraOptions, type SimCameraOptions } from './sim-camera-options.js';
export { SimLaser, simLaserDriver, simLaserOptions, tiSapphirePowerW, type SimLaserOptions } from './sim-laser.js';
export {
  SimPowerMeter,
  powerMeterReferences,
  siliconResponsivity,
  simPowerMeterDriver,
  simPowerMeterOptions,
  type SimPowerMeterOptions,
} from './sim-power-meter.js';
export { SimStage, simStageDriver, simStageOptions, type SimStageOptions } from './sim-stage.js';
export { SimThermometer, simThermometerDriver, simThermometerOptions, type SimThermometerOptions } from './sim-thermometer.js';
export {
  SimVoltageSource,
  simVoltageSourceDriver,
  simVoltageSourceOptions,
  type SimVoltageSourceOptions,
} from './sim-voltage-source.js';
export { SimDevice, SIM_CONNECT_TIME_S } from './sim-device.js';
export { Random } from './random.js';

/** Every simulated driver: `sim-stage`, `sim-camera`, `sim-laser`, `sim-power-meter`, `sim-thermometer`, `sim-voltage-source`, `sim-daq-card`. */
export const SIM_DRIVERS: DriverDefinition[] = [
  simStageDriver,
  simCameraDriver,
  simLaserDriver,
  simPowerMeterDriver,
  simThermometerDriver,
  simVoltageSourceDriver,
  simDaqCardDriver,
];
