/**
 * The lab: the device registry. Creates every device of a lab config, checks what the config
 * asks of them (references between devices, settings), connects them all in parallel with a
 * timeout, and keeps going with the healthy ones when some fail: the failures come back as one
 * error tree (device -> cause) and the faulted devices stay listed with their fault. A device
 * that failed to connect is tried again (0.5 s doubling to 10 s, {@link CONNECT_RETRY}) until it
 * connects or the lab disconnects: an instrument switched on after the daemon comes up.
 */
import { capabilitiesOf, capabilitySpec, checkParameterValue, isParameterized, type CapabilityName, type ParameterValue } from '../capabilities/index.js';
import { type Clock, DaqError, didYouMean, Emitter, type Unsubscribe } from '../core/index.js';
import { CONNECT_RETRY, nextRetryDelayS } from './connect-retry.js';
import type { Device, DeviceState, DeviceStateChange } from './device.js';
import type { DriverCatalog, ResourceClaim } from './driver.js';
import { type LabConfig, ProblemList, readLabConfig } from './lab-config.js';

/** A device as listed to users (`daq devices`). */
export interface DeviceSummary {
  name: string;
  driver: string;
  state: DeviceState;
  capabilities: CapabilityName[];
  /** Why the device is faulted (and, while it is tried again, when: `...; trying again in 2 s`). */
  fault?: string;
  /** Set while a device that failed to connect is tried again. */
  retry?: ConnectRetry;
}

/** The state of the attempts to connect a device that failed to. */
export interface ConnectRetry {
  /** Attempts that failed so far (the first connect included). */
  failedAttempts: number;
  /** Delay before the next attempt, s. */
  delayS: number;
}

/** What `connect()` achieved. */
export interface ConnectReport {
  connected: string[];
  /** One error with a child per device that failed, or `undefined` when all connected. */
  failures: DaqError | undefined;
}

/** Options of {@link Lab.connect}. */
export interface ConnectOptions {
  /** Seconds each device may take (default: the config's `connect_timeout`). */
  timeoutS?: number;
  signal?: AbortSignal;
  /** Try a device that failed again later, until it connects or the lab disconnects (default true). */
  retry?: boolean;
}

/** The devices of one lab config. */
export class Lab {
  private readonly byName = new Map<string, Device>();
  private readonly faults = new Map<string, DaqError>();
  private readonly changes = new Emitter<DeviceStateChange>();
  /** Devices that failed to connect and are tried again, with what ends their attempts. */
  private readonly retries = new Map<string, ConnectRetry & { stop: AbortController }>();
  /**
   * Devices that connected but refused a setting of the lab config: a mistake in the config, not
   * an instrument that is not there yet. They stay faulted (trying again would either fail the
   * same way or, worse, find the refused value half-applied and carry on with it).
   */
  private readonly settingFaults = new Set<string>();

  private constructor(
    readonly config: LabConfig,
    readonly clock: Clock,
  ) {}

  /**
   * Creates the devices of `config` (without connecting them) and checks references and
   * settings against the created devices. Throws one error listing every problem.
   */
  static create(config: LabConfig, drivers: DriverCatalog, clock: Clock, problems = new ProblemList(config, config.file)): Lab {
    const lab = new Lab(config, clock);
    const context = { clock, device: (name: string) => lab.device(name) };
    for (const entry of config.devices) {
      try {
        const definition = drivers.get(entry.driver);
        if (definition === undefined) throw new DaqError('invalid_argument', `unknown driver "${entry.driver}"`);
        const device = definition.create(entry.name, entry.options, context);
        device.onStateChange((change) => lab.changes.emit(change));
        lab.byName.set(entry.name, device);
      } catch (error) {
        problems.add(['devices', entry.name], `device "${entry.name}": ${DaqError.from(error).message}`);
      }
    }
    lab.check(drivers, problems);
    problems.throwIfAny();
    return lab;
  }

  /** Reads, validates and creates the lab of a config file; one error lists every problem. */
  static async load(file: string, drivers: DriverCatalog, clock: Clock): Promise<Lab> {
    const { config, problems } = await readLabConfig(file, drivers);
    return Lab.create(config, drivers, clock, problems);
  }

  /** The lab's name from the config. */
  get name(): string {
    return this.config.name;
  }

  /** Every device, in config order. */
  devices(): Device[] {
    return [...this.byName.values()];
  }

  /** A device by name; `not_found` (with a suggestion) for an unknown name. */
  device(name: string): Device {
    const device = this.byName.get(name);
    if (device === undefined) {
      throw new DaqError('not_found', `no device "${name}"${didYouMean(name, this.byName.keys())} (devices: ${[...this.byName.keys()].join(', ')})`);
    }
    return device;
  }

  /** Calls `listener` on every state change of every device. */
  onStateChange(listener: (change: DeviceStateChange) => void): Unsubscribe {
    return this.changes.on(listener);
  }

  /**
   * Connects every device in parallel, each within the timeout, then applies its settings.
   * Never throws for device failures: they are in the report, and on each device (`fault`).
   */
  async connect(options: ConnectOptions = {}): Promise<ConnectReport> {
    const timeoutS = options.timeoutS ?? this.config.connectTimeoutS;
    const results = await Promise.all(this.devices().map((d) => this.connectOne(d, timeoutS, options.signal)));
    const failed = results.filter((r): r is DaqError => r !== undefined);
    if (options.retry !== false && options.signal?.aborted !== true) {
      for (const device of this.devices()) if (this.faults.has(device.name) && !this.settingFaults.has(device.name)) this.retryLater(device, timeoutS);
    }
    const connected = this.devices().filter((d) => !this.faults.has(d.name)).map((d) => d.name);
    const failures =
      failed.length === 0
        ? undefined
        : new DaqError('unavailable', `${failed.length} of ${this.byName.size} devices failed to connect:`, { children: failed });
    return { connected, failures };
  }

  /** Disconnects every device in parallel (and stops trying the failed ones again); never throws. */
  async disconnect(): Promise<void> {
    for (const retry of this.retries.values()) retry.stop.abort();
    this.retries.clear();
    await Promise.all(this.devices().map((d) => d.disconnect().catch(() => undefined)));
    this.faults.clear();
  }

  /** The devices as users see them: name, driver, state, capabilities, fault. */
  summary(): DeviceSummary[] {
    return this.devices().map((d) => {
      const fault = d.fault ?? this.faults.get(d.name);
      const retry = this.retries.get(d.name);
      const message = fault === undefined ? undefined : retry === undefined ? fault.message : `${fault.message}; trying again in ${retry.delayS} s (failed attempts: ${retry.failedAttempts})`;
      return {
        name: d.name,
        driver: d.driver,
        state: fault !== undefined ? 'faulted' : d.state,
        capabilities: capabilitiesOf(d),
        ...(message === undefined ? {} : { fault: message }),
        ...(retry === undefined ? {} : { retry: { failedAttempts: retry.failedAttempts, delayS: retry.delayS } }),
      };
    });
  }

  /**
   * Tries `device` again after the retry delay, doubling the delay after each failed attempt,
   * until it connects (its settings are applied then) or the lab disconnects.
   */
  private retryLater(device: Device, timeoutS: number): void {
    if (this.retries.has(device.name)) return;
    const retry: ConnectRetry & { stop: AbortController } = { failedAttempts: 1, delayS: CONNECT_RETRY.firstS, stop: new AbortController() };
    this.retries.set(device.name, retry);
    const attempt = async (): Promise<void> => {
      for (;;) {
        await this.clock.sleep(retry.delayS, retry.stop.signal);
        if (this.settingFaults.has(device.name)) break;
        const failure = this.faults.has(device.name) ? await this.connectOne(device, timeoutS, retry.stop.signal) : undefined;
        if (retry.stop.signal.aborted) return;
        if (failure === undefined) break;
        retry.failedAttempts++;
        retry.delayS = nextRetryDelayS(retry.delayS);
      }
      if (this.retries.get(device.name) === retry) this.retries.delete(device.name);
    };
    attempt().catch(() => undefined);
  }

  private async connectOne(device: Device, timeoutS: number, outer: AbortSignal | undefined): Promise<DaqError | undefined> {
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const timer = new AbortController();
    const timeout = this.clock.sleep(timeoutS, timer.signal).then(() => {
      const error = new DaqError('deadline_exceeded', `${device.name}: timed out after ${timeoutS} s connecting`, { device: device.name });
      controller.abort(error);
      throw error;
    });
    try {
      await Promise.race([device.connect(controller.signal), timeout]);
      this.settingFaults.delete(device.name);
      try {
        await this.applySettings(device);
      } catch (error) {
        this.settingFaults.add(device.name);
        throw error;
      }
      this.faults.delete(device.name);
      return undefined;
    } catch (error) {
      const fault = DaqError.from(error, { device: device.name });
      this.faults.set(device.name, fault);
      return fault;
    } finally {
      timer.abort();
      timeout.catch(() => undefined);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  private async applySettings(device: Device): Promise<void> {
    const settings = this.config.devices.find((d) => d.name === device.name)?.settings ?? {};
    if (!isParameterized(device)) return;
    for (const [name, value] of Object.entries(settings)) {
      try {
        await device.setParameter(name, value as ParameterValue);
      } catch (error) {
        // Name the device and the config's setting: this is what to fix.
        const err = DaqError.from(error, { device: device.name });
        const why = err.message.startsWith(`${device.name}: `) ? err.message.slice(device.name.length + 2) : err.message;
        throw new DaqError(err.code, `${device.name}: the lab config's setting ${name} = ${JSON.stringify(value)} was refused: ${why}`, { device: device.name, cause: err });
      }
    }
  }

  /** Checks references between devices and settings, against the created devices. */
  private check(drivers: DriverCatalog, problems: ProblemList): void {
    for (const entry of this.config.devices) {
      if (!this.byName.has(entry.name)) continue;
      const path = ['devices', entry.name];
      const where = `device "${entry.name}"`;
      for (const ref of drivers.get(entry.driver)?.references?.(entry.options) ?? []) {
        const target = this.byName.get(ref.device);
        if (target === undefined && this.config.declaredDevices.includes(ref.device)) continue;
        if (target === undefined) {
          problems.add([...path, ref.field], `${where}, field "${ref.field}": no device "${ref.device}"${didYouMean(ref.device, this.config.declaredDevices)} (devices: ${this.config.declaredDevices.join(', ')})`);
        } else if (!capabilitySpec(ref.capability)?.is(target)) {
          problems.add([...path, ref.field], `${where}, field "${ref.field}": device "${ref.device}" (${target.driver}) is not ${ref.capability}; it is ${capabilitiesOf(target).join(', ')}`);
        }
      }
      this.checkSettings(entry.name, entry.settings, problems);
    }
    this.checkClaims(drivers, problems);
  }

  /** Two devices may not claim one port, unless they share it by protocol at different addresses. */
  private checkClaims(drivers: DriverCatalog, problems: ProblemList): void {
    const held = new Map<string, { device: string; claim: ResourceClaim }[]>();
    for (const entry of this.config.devices) {
      if (!this.byName.has(entry.name)) continue;
      for (const claim of drivers.get(entry.driver)?.claims?.(entry.options) ?? []) {
        const holders = held.get(claim.resource) ?? [];
        const clash = holders.find(
          (h) => h.claim.share === undefined || h.claim.share !== claim.share || h.claim.address === claim.address,
        );
        if (clash !== undefined) {
          const sameGroup = claim.share !== undefined && clash.claim.share === claim.share;
          const why = sameGroup
            ? `device "${clash.device}" and this device are both at ${claim.address ?? 'the same address'} on ${claim.resource}`
            : `${claim.resource} is already used by device "${clash.device}"; a port serves one device (or the axes/mounts of one controller or bus)`;
          problems.add(['devices', entry.name, claim.field], `device "${entry.name}", field "${claim.field}": ${why}`);
        }
        holders.push({ device: entry.name, claim });
        held.set(claim.resource, holders);
      }
    }
  }

  private checkSettings(name: string, settings: Record<string, unknown>, problems: ProblemList): void {
    const device = this.byName.get(name);
    const path = ['devices', name, 'settings'];
    if (Object.keys(settings).length === 0 || device === undefined) return;
    if (!isParameterized(device)) {
      problems.add(path, `device "${name}" (${device.driver}) has no settings`);
      return;
    }
    const infos = device.parameters();
    for (const [key, value] of Object.entries(settings)) {
      const info = infos.find((p) => p.name === key);
      const where = `device "${name}", setting "${key}"`;
      if (info === undefined) {
        problems.add([...path, key], `${where}: unknown setting${didYouMean(key, infos.map((p) => p.name))} (settings: ${infos.map((p) => p.name).join(', ')})`);
        continue;
      }
      const problem = info.writable ? checkParameterValue(info, value) : 'is read-only';
      if (problem !== undefined) problems.add([...path, key], `${where}: ${problem}`);
    }
  }
}
