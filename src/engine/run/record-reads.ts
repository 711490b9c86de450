/**
 * Device reads the daemon makes for `record()` while the script goes on. A field written
 * `x: stage.position()` or `p: power_meter.read()` in a record's object literal becomes
 * `__daq_later("stage", "position")` (record-rewrite.ts): the script gets a placeholder
 * `{__daq_pending: n}` at once, and the deferred host call `__daq_read_later(n, device, method)`
 * makes the device call on the daemon's thread, in order with the script's other calls (after the
 * move before it, before the record that holds it). The record then takes reading n. The value
 * is the device's, stamped with the time the device answered; only the script never waits for it.
 */
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import type { HostFunction, JsonValue } from '../../scripting/index.js';
import { getterUnitsOf } from './device-getters.js';
import type { RecordValue } from './record-values.js';

/** The placeholder a script's record holds for a reading made later. */
export interface PendingRead {
  __daq_pending: number;
}

/**
 * The placeholder of a read the daemon makes when it takes the record itself (`__daq_read_in`):
 * used when nothing else in the record's fields calls anything, so no call of the script can
 * come between where the field is written and the record. No host call at all for the read.
 */
export interface InRecordRead {
  __daq_read: string;
  __daq_method: string;
}

/** Whether `value` is an {@link InRecordRead}. */
export function isInRecordRead(value: JsonValue): value is JsonValue & InRecordRead {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, JsonValue>)['__daq_read'] === 'string';
}

/** Whether `value` is a {@link PendingRead}. */
export function isPendingRead(value: JsonValue): value is JsonValue & PendingRead {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, JsonValue>)['__daq_pending'] === 'number';
}

/** A device call as the script would make it (checkpoint, touch, result for the script). */
export type DeviceCall = (device: Device, method: string) => Promise<JsonValue | undefined>;

/** The readings made for the records of one run, until their records take them. */
export class RecordReads {
  private readonly done = new Map<number, { reading: RecordValue } | { error: DaqError }>();

  constructor(
    private readonly device: (name: string) => Device,
    private readonly call: DeviceCall,
    private readonly now: () => number,
  ) {}

  /** `__daq_read_later(n, device, method)`: reads now; keeps the reading (or the error) for reading n. */
  readonly readLater: HostFunction = async ([n, name, method]) => {
    const seq = Number(n);
    try {
      this.done.set(seq, { reading: await this.read(String(name), String(method)) });
    } catch (error) {
      const problem = DaqError.from(error);
      this.done.set(seq, { error: problem });
      throw problem;
    }
  };

  /**
   * Reading `n` for field `field` of a record. Readings older than `n` that no record took (the
   * script threw between the read and its record) are dropped.
   */
  take(n: number, field: string): RecordValue {
    const entry = this.done.get(n);
    for (const seq of this.done.keys()) if (seq <= n) this.done.delete(seq);
    if (entry === undefined) throw new DaqError('internal', `field "${field}": its device read ${n} was never made`);
    if ('error' in entry) throw new DaqError(entry.error.code, `field "${field}": ${entry.error.message}`, { cause: entry.error });
    return entry.reading;
  }

  /** Makes the read of an {@link InRecordRead} now, for field `field` of a record. */
  readIn(placeholder: InRecordRead, field: string): Promise<RecordValue> {
    const inField = (error: unknown): never => {
      const problem = DaqError.from(error);
      throw new DaqError(problem.code, `field "${field}": ${problem.message}`, { cause: problem });
    };
    try {
      return this.read(placeholder.__daq_read, placeholder.__daq_method).then(undefined, inField);
    } catch (error) {
      return Promise.reject(error as Error).then(undefined, inField);
    }
  }

  /** The reading of `name.method()` (a promise chain, not an async function: one promise less per read). */
  private read(name: string, method: string): Promise<RecordValue> {
    const device = this.device(name);
    return this.call(device, method).then((value) => {
      if (method === 'read') {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DaqError('internal', `${name}.read() gave no reading`);
        return value as unknown as RecordValue;
      }
      const units = getterUnitsOf(device, method);
      if (units === undefined) throw new DaqError('invalid_argument', `${name}.${method}() is not a getter with units`);
      return { value: value as number, units, timestampS: this.now(), source: device.name };
    });
  }
}
