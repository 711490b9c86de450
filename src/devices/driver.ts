/**
 * What a driver is to the lab: a name, an options schema (zod) checked against the lab config,
 * the devices its options refer to, and a factory. Drivers live in `src/drivers/`; the lab
 * loader receives the catalog of known drivers as an argument and never imports them.
 */
import type { z } from 'zod';
import type { CapabilityName } from '../capabilities/index.js';
import type { Clock } from '../core/index.js';
import type { Device } from './device.js';

/** What a driver's factory gets besides its options. */
export interface DriverContext {
  /** The lab's clock: simulated devices wait on it. */
  clock: Clock;
  /**
   * Another device of the lab by config name (for simulated physics that couples devices:
   * a power meter that sees a laser). Throws `not_found` for a name not in the lab.
   */
  device(name: string): Device;
}

/** A reference from one device's options to another device, checked when the config loads. */
export interface DeviceReference {
  /** The option holding the name, for error messages (`laser`). */
  field: string;
  /** The device name it holds. */
  device: string;
  /** What the referenced device must be able to do. */
  capability: CapabilityName;
}

/**
 * Something a device holds exclusively (a serial port, a TCP address), checked when the config
 * loads so that two devices never fight over one port. Devices may share a resource only when
 * both give the same `share` group (the same protocol, such as the axes of one ESP300) and
 * different `address`es within it.
 */
export interface ResourceClaim {
  /** The option that names the resource, for error messages and locations (`port`). */
  field: string;
  /** What is claimed, as users write it: `/dev/ttyUSB0`, `tcp://10.0.0.5:5025`. */
  resource: string;
  /** Devices of the same group may share the resource (different addresses). */
  share?: string;
  /** Where on a shared resource this device is (`axis 1`, `address A`). */
  address?: string;
}

/** A driver: turns validated options into a device. */
export interface DriverDefinition<O = unknown> {
  /** Name used in lab configs: `sim-stage`, `newport-esp300`. */
  name: string;
  /** One line for `daq drivers` and error messages. */
  summary: string;
  /** Schema of the device's table in the lab config, without `driver` and `settings`. */
  options: z.ZodType<O>;
  /** Other devices the options refer to. */
  references?(options: O): DeviceReference[];
  /** Ports and addresses the device holds; two devices may not claim the same one. */
  claims?(options: O): ResourceClaim[];
  /** Makes the device (not yet connected). Must not do I/O. */
  create(name: string, options: O, context: DriverContext): Device;
}

/**
 * Declares a driver with its options type inferred from the schema. Returns the definition
 * with its option type erased, so drivers of different options fit in one catalog.
 */
export function defineDriver<S extends z.ZodType>(
  definition: DriverDefinition<z.output<S>> & { options: S },
): DriverDefinition {
  return definition as unknown as DriverDefinition;
}

/** The drivers a lab may use, by name. */
export type DriverCatalog = ReadonlyMap<string, DriverDefinition>;

/** Builds a catalog from definitions; throws on a duplicate name. */
export function createDriverCatalog(definitions: Iterable<DriverDefinition>): DriverCatalog {
  const catalog = new Map<string, DriverDefinition>();
  for (const definition of definitions) {
    if (catalog.has(definition.name)) throw new Error(`driver "${definition.name}" is defined twice`);
    catalog.set(definition.name, definition);
  }
  return catalog;
}
