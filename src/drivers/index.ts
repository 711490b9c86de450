/** Every driver ts-daq knows, by the name a lab config uses. */
import { createDriverCatalog, type DriverCatalog } from '../devices/index.js';
import { epicsCaDriver } from './epics-ca/index.js';
import { newport1830cDriver } from './newport-1830c/index.js';
import { esp300Driver } from './newport-esp300/index.js';
import { niDaqmxDriver } from './ni-daqmx/index.js';
import { scpiDriver } from './scpi/index.js';
import { pvcamDriver } from './photometrics-pvcam/index.js';
import { remoteDriverStub } from './remote/index.js';
import { SIM_DRIVERS } from './sim/index.js';
import { maiTaiDriver } from './spectra-physics-maitai/index.js';
import { ell14Driver } from './thorlabs-ell14/index.js';

/** Drivers of real instruments (each tested against its wire simulator; epics-ca against a real caproto IOC; PVCAM and NI-DAQmx against fake libraries). */
export const INSTRUMENT_DRIVERS = [esp300Driver, maiTaiDriver, newport1830cDriver, ell14Driver, scpiDriver, pvcamDriver, epicsCaDriver, niDaqmxDriver];

/**
 * The catalog the daemon and the CLI load labs with. `remote` is here as its lab-config face
 * (options, `daq drivers`); a clustered daemon puts the working one in its place.
 */
export const DRIVERS: DriverCatalog = createDriverCatalog([...SIM_DRIVERS, ...INSTRUMENT_DRIVERS, remoteDriverStub]);
