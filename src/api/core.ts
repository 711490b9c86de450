/**
 * What the API services work on: the lab, the run engine, the documents of recent runs, the
 * stored scripts, the daemon's own log and its audit trail. Built by the daemon (daemon.ts).
 */
import type { ClusterQueue } from '../cluster/cluster-queue.js';
import type { Clock, Emitter } from '../core/index.js';
import type { RunStorage } from '../data/index.js';
import type { Lab } from '../devices/index.js';
import type { LogEntry, RunEngine } from '../engine/index.js';
import type { Principal } from './auth.js';
import type { DocumentLog } from './document-log.js';
import type { ScriptStore } from './script-store.js';
import type { SavedQueue } from './saved-queue.js';

/** Facts about the daemon that clients may ask for. */
export interface DaemonFacts {
  version: string;
  configFile: string;
  dataDir: string;
  startedAtS: number;
  listen: string;
  httpListen: string;
  authEnabled: boolean;
  ring: { path: string; sizeBytes: number };
}

/** The daemon as the services see it. */
export interface DaemonCore {
  lab: Lab;
  engine: RunEngine;
  clock: Clock;
  documents: DocumentLog;
  scripts: ScriptStore;
  facts: DaemonFacts;
  /** Log lines of runs and of the daemon (run lines carry their run's uid). */
  logs: Emitter<LogEntry>;
  /** Who started each run. */
  startedBy: Map<string, string>;
  /**
   * Cameras streaming because a client asked (SetFrameStream, the dashboard's preview). A run comes
   * first: they are stopped when a run starts, so its `snap()` works (its frames still reach the preview).
   */
  previews: Set<string>;
  /**
   * Of those, the cameras a preview stream started (StreamFrames `start`), with how many such
   * streams hold each: the last one to end stops the camera. A camera also switched on by
   * SetFrameStream is not here (it stays on).
   */
  previewHolders: Map<string, number>;
  /** Run files and the run catalog (absent in tests that build a core without storage). */
  storage?: RunStorage;
  /** The queue saved in the data directory (absent in tests that build a core without one, and in a cluster). */
  savedQueue?: SavedQueue;
  /** The lab's queue in JetStream KV, shared by the lab's daemons (only in a cluster). */
  labQueue?: ClusterQueue;
  /** Records who did what (start, stop, command) in the audit log. */
  audit(principal: Principal, action: string): void;
  /** Aborts when the daemon shuts down: streams end. */
  shutdown: AbortSignal;
  /** Set when the daemon starts shutting down (before the grace period): it takes no new runs. */
  draining: boolean;
}
