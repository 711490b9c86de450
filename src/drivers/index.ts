/** Every driver ts-daq knows, by the name a lab config uses. */
import { createDriverCatalog, type DriverCatalog } from '../devices/index.js';
import { SIM_DRIVERS } from './sim/index.js';

/** The catalog the daemon and the CLI load labs with. */
export const DRIVERS: DriverCatalog = createDriverCatalog([...SIM_DRIVERS]);
