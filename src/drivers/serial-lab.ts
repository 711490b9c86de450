/**
 * The simulated serial lab: every serial instrument's wire simulator, each on its own PTY in one
 * folder, coupled like a real optical bench so experiments see physics through the real drivers:
 * the MaiTai's beam (when emitting, shutter open) goes through a polarizer on ELL14 mount 0
 * (Malus's law) into a fibre on ESP300 axis 1 (Gaussian coupling, peak at 12.5 mm) and onto the
 * 1830-C. A SCPI supply sits on a PTY of its own. `daq sim-serial` serves it for
 * `examples/lab-serial.toml`; the tests start it in a temporary folder.
 *
 * PTYs in the folder: `esp300`, `maitai`, `pm1830c`, `ell14`, `scpi`.
 */
import { join } from 'node:path';
import { servePty, type LineSimulator, type PtySimulatorServer } from '../transports/sim/index.js';
import { Newport1830cSimulator } from './newport-1830c/index.js';
import { Esp300Simulator } from './newport-esp300/index.js';
import { ScpiSimulator } from './scpi/index.js';
import { MaiTaiSimulator } from './spectra-physics-maitai/index.js';
import { Ell14BusSimulator } from './thorlabs-ell14/index.js';

/** Options of {@link startSerialLab}. */
export interface SerialLabOptions {
  /** Fibre position of best coupling on ESP300 axis 1, mm. */
  peakPositionMm?: number;
  /** 1/e^2 radius of the coupling, mm. */
  beamWidthMm?: number;
}

/** The running simulators and their PTY servers, by PTY name. */
export interface SerialLab {
  readonly dir: string;
  readonly esp300: Esp300Simulator;
  readonly maitai: MaiTaiSimulator;
  readonly powerMeter: Newport1830cSimulator;
  readonly ell14: Ell14BusSimulator;
  readonly scpi: ScpiSimulator;
  readonly servers: ReadonlyMap<string, PtySimulatorServer>;
  /** Stops every simulator. */
  close(): Promise<void>;
}

/** Starts the serial lab's simulators on PTYs in `dir` (which must exist). */
export async function startSerialLab(dir: string, options: SerialLabOptions = {}): Promise<SerialLab> {
  const peak = options.peakPositionMm ?? 12.5;
  const width = options.beamWidthMm ?? 1.5;
  const esp300 = new Esp300Simulator({ velocity: 200, acceleration: 4000 });
  const maitai = new MaiTaiSimulator({ tuneRateNmPerS: 2000 });
  const ell14 = new Ell14BusSimulator({ addresses: ['0', '1'] });
  const scpi = new ScpiSimulator();
  const powerMeter = new Newport1830cSimulator({
    incidentW: () => {
      if (!maitai.shutterOpen) return 0;
      const x = esp300.axes[0]?.motion.position ?? 0;
      const coupling = Math.exp((-2 * (x - peak) ** 2) / width ** 2);
      const malus = Math.cos((ell14.positionDeg('0') * Math.PI) / 180) ** 2;
      return maitai.powerW * coupling * malus * 0.5;
    },
  });
  const simulators: [string, LineSimulator][] = [
    ['esp300', esp300],
    ['maitai', maitai],
    ['pm1830c', powerMeter],
    ['ell14', ell14],
    ['scpi', scpi],
  ];
  const servers = new Map<string, PtySimulatorServer>();
  try {
    for (const [name, simulator] of simulators) servers.set(name, await servePty(simulator, join(dir, name)));
  } catch (error) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw error;
  }
  return {
    dir,
    esp300,
    maitai,
    powerMeter,
    ell14,
    scpi,
    servers,
    close: async () => {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}
