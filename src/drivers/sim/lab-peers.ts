/**
 * Other devices of the lab, as a simulated device sees them: looked up by name when needed
 * (not when created, so the lab may create them in any order), and checked to be connected
 * and capable, with errors that name both devices.
 */
import { DaqError } from '../../core/index.js';
import type { Device, DriverContext } from '../../devices/index.js';

/** Looks up the devices a simulated device is coupled to (a power meter's laser and stage). */
export class LabPeers {
  /** The last peer each guard passed. */
  private readonly passed = new Map<(device: unknown) => boolean, Device>();

  /**
   * @param device name of the device doing the looking, for error messages
   * @param context the driver context the device was created with
   */
  constructor(
    private readonly device: string,
    private readonly context: DriverContext,
  ) {}

  /**
   * The device called `name`, which this device uses as its `role` (`laser`, `stage`).
   * Throws `not_found` when the lab has no such device, `failed_precondition` when it is not
   * connected or lacks one of `capabilities` (checked with `guard`).
   */
  get<T>(role: string, name: string, capabilities: readonly string[], guard: (device: unknown) => device is T): T & Device {
    let peer: Device;
    try {
      peer = this.context.device(name);
    } catch (error) {
      throw this.error('not_found', `its ${role} "${name}" is not a device of the lab`, error);
    }
    // A device's methods do not change: a peer that passed this guard once is not checked again
    // (the guard runs on every reading of a power meter otherwise).
    if (this.passed.get(guard) !== peer && !guard(peer)) {
      throw this.error(
        'failed_precondition',
        `its ${role} "${name}" (driver ${peer.driver}) is not ${capabilities.join(' and ')}`,
      );
    }
    this.passed.set(guard, peer);
    if (peer.state !== 'idle' && peer.state !== 'busy') {
      throw this.error('failed_precondition', `its ${role} "${name}" is ${peer.state}, not connected`);
    }
    return peer as T & Device;
  }

  private error(code: 'not_found' | 'failed_precondition', message: string, cause?: unknown): DaqError {
    return new DaqError(code, `${this.device}: ${message}`, {
      device: this.device,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
