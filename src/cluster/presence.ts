/**
 * Who is in the lab: each clustered daemon keeps one key (its name) in the KV bucket
 * `daq_<lab>_presence` with what it is and does (version, devices with their driver,
 * capabilities, units and settings, state, current run, queue length, heartbeat time). It
 * renews it every {@link HEARTBEAT_S} s and at once when something changes, re-announces
 * after a reconnection, and deletes it at a clean stop. NATS 2.9 has no per-key TTL: the
 * bucket's max_age ({@link PRESENCE_TTL_S}) makes the key of a daemon that died vanish.
 */
import { hostname } from 'node:os';
import type { KV } from '@nats-io/kv';
import { capabilitiesOf, isMovable, isParameterized, isReadable, type ParameterInfo } from '../capabilities/index.js';
import type { Device, Lab } from '../devices/index.js';
import type { RunEngine } from '../engine/index.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterLog } from './types.js';

/** Seconds between two announcements of a daemon (more often when something changes). */
export const HEARTBEAT_S = 3;
/** Seconds a key lives without renewal (the bucket's max_age): a daemon that died vanishes after this. */
export const PRESENCE_TTL_S = 15;
/** A heartbeat older than this (s) is shown as stale: the daemon died or lost NATS. */
export const STALE_AFTER_S = 2.5 * HEARTBEAT_S;

/** One device as presence shows it: enough for another daemon to show it (and proxy it). */
export interface PresenceDevice {
  name: string;
  driver: string;
  /** disconnected, connecting, idle, busy or faulted. */
  state: string;
  /** Why it is faulted. */
  fault?: string;
  capabilities: string[];
  /** Position units of a Movable device. */
  units?: string;
  /** Travel limits of a Movable device, in `units`. */
  limits?: { min: number; max: number };
  /** What a Readable device's reading looks like (dtype, shape, units). */
  reading?: { dtype: string; shape: number[]; units: string };
  /** The settings of a Parameterized device. */
  settings?: readonly ParameterInfo[];
}

/** A daemon's announcement: the value of its key in `daq_<lab>_presence` (JSON). */
export interface PresenceRecord {
  daemon: string;
  lab: string;
  version: string;
  host: string;
  pid: number;
  /** The daemon's gRPC address (the API: its runs' data, files and devices). */
  api: string;
  /** idle, running (a run), or stopping. */
  state: 'idle' | 'running' | 'stopping';
  run?: { uid: string; scriptName: string; state: string; progress?: { done: number; total: number } };
  queueLength: number;
  devices: PresenceDevice[];
  startedAt: string;
  /** When this announcement was made (ISO 8601, the daemon's clock). */
  heartbeatAt: string;
  /** Seconds between heartbeats. */
  heartbeatS: number;
}

/** What presence needs of the daemon. */
export interface PresenceSource {
  lab: Lab;
  engine: RunEngine;
  version: string;
  /** The daemon's gRPC address (set once it listens). */
  api: () => string;
  stopping: () => boolean;
}

/** Opens the lab's presence bucket (created when missing). */
export function presenceBucket(connection: ClusterConnection): Promise<KV> {
  return connection.kv('presence', { ttl: PRESENCE_TTL_S * 1000, history: 1, description: `who is in lab ${connection.lab}: one key per daemon, renewed every ${HEARTBEAT_S} s` });
}

/** Announces a daemon until stopped. */
export class Presence {
  private bucket: KV | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];
  private limits = new Map<string, { min: number; max: number }>();
  private failing = false;
  private stopped = false;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly connection: ClusterConnection,
    private readonly source: PresenceSource,
    private readonly log: ClusterLog,
  ) {}

  /** Announces now, then every heartbeat and on every change. */
  start(): void {
    this.timer = setInterval(() => this.announce(), HEARTBEAT_S * 1000);
    this.timer.unref();
    this.unsubscribe.push(
      this.source.engine.onRunChange(() => this.announceSoon()),
      this.source.lab.onStateChange(() => this.announceSoon()),
      this.connection.onStatus((status) => {
        if (status.type === 'reconnect') this.announce();
      }),
    );
    this.announce();
  }

  /** The record as it is now. */
  record(): PresenceRecord {
    const current = this.source.engine.currentRun?.summary();
    return {
      daemon: this.connection.daemon,
      lab: this.connection.lab,
      version: this.source.version,
      host: hostname(),
      pid: process.pid,
      api: this.source.api(),
      state: this.source.stopping() ? 'stopping' : current === undefined ? 'idle' : 'running',
      ...(current === undefined ? {} : { run: { uid: current.uid, scriptName: current.scriptName, state: current.state, ...(current.progress === undefined ? {} : { progress: current.progress }) } }),
      queueLength: this.source.engine.queued().length,
      devices: this.source.lab.devices().map((device) => this.describe(device)),
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
      heartbeatS: HEARTBEAT_S,
    };
  }

  /** Deletes the key (a clean stop): the daemon is gone at once, not after the TTL. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.sending;
    if (this.bucket !== undefined && this.connection.connected) {
      await this.bucket.delete(this.connection.daemon).catch((error: unknown) => this.log('warn', `could not take the presence of ${this.connection.daemon} away: ${(error as Error).message} (it vanishes after ${PRESENCE_TTL_S} s)`));
    }
  }

  /** Announces within 100 ms (changes come in bursts: one announcement for them). */
  private announceSoon(): void {
    if (this.soon !== undefined || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.announce();
    }, 100);
    this.soon.unref();
  }

  private announce(): void {
    if (this.stopped) return;
    // One at a time, in order: a slow server never piles announcements up.
    this.sending = this.sending.then(() => this.send());
  }

  private async send(): Promise<void> {
    if (this.stopped || !this.connection.connected) return;
    try {
      await this.refreshLimits();
      this.bucket ??= await presenceBucket(this.connection);
      await this.bucket.put(this.connection.daemon, JSON.stringify(this.record()));
      if (this.failing) this.log('info', `presence of ${this.connection.daemon} announced again`);
      this.failing = false;
    } catch (error) {
      // The server may have lost the bucket (a new store): open (create) it again next time.
      this.bucket = undefined;
      if (!this.failing) this.log('warn', `could not announce ${this.connection.daemon} in ${this.connection.names.bucket('presence')}: ${(error as Error).message} (trying again)`);
      this.failing = true;
    }
  }

  /** Movable limits are read from the device (async); kept from the last read that worked. */
  private async refreshLimits(): Promise<void> {
    for (const device of this.source.lab.devices()) {
      if (!isMovable(device) || device.state === 'disconnected' || device.state === 'faulted' || this.limits.has(device.name)) continue;
      try {
        this.limits.set(device.name, { ...(await device.limits()) });
      } catch {
        // not now: next heartbeat
      }
    }
  }

  private describe(device: Device): PresenceDevice {
    const described: PresenceDevice = { name: device.name, driver: device.driver, state: device.state, capabilities: capabilitiesOf(device) };
    if (device.fault !== undefined) described.fault = device.fault.message;
    if (isMovable(device)) described.units = device.units;
    const limits = this.limits.get(device.name);
    if (limits !== undefined) described.limits = limits;
    try {
      if (isReadable(device)) {
        const key = device.describe();
        described.reading = { dtype: key.dtype, shape: [...key.shape], units: key.units };
      }
      if (isParameterized(device)) described.settings = device.parameters();
    } catch {
      // a device that cannot describe itself now is shown without it
    }
    return described;
  }
}
