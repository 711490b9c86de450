/**
 * The daemons of a lab, read from its presence bucket: each daemon's last announcement, and
 * whether it is up (a recent heartbeat), stale (no heartbeat for {@link STALE_AFTER_S} s: it
 * died or lost NATS; its key vanishes after the bucket's max_age) or gone (it stopped cleanly
 * and took its key away; shown while the delete marker lasts).
 */
import type { ClusterConnection } from './connection.js';
import { type PresenceRecord, PRESENCE_TTL_S, STALE_AFTER_S } from './presence.js';

/** One daemon of the lab as `daq cluster` shows it. */
export interface RosterEntry {
  daemon: string;
  status: 'up' | 'stale' | 'gone';
  /** Seconds since its last announcement (or since it left, when gone). */
  ageS: number;
  /** Its last announcement (none when gone). */
  record?: PresenceRecord;
}

/** The lab's daemons, by name. Empty when no daemon ever joined (no bucket). */
export async function readRoster(connection: ClusterConnection, nowMs = Date.now()): Promise<RosterEntry[]> {
  const bucket = connection.names.bucket('presence');
  const stream = `KV_${bucket}`;
  const prefix = `$KV.${bucket}.`;
  let subjects: Record<string, number>;
  try {
    const info = await connection.jsm.streams.info(stream, { subjects_filter: '>' });
    subjects = info.state.subjects ?? {};
  } catch (error) {
    if (/not found/i.test((error as Error).message)) return [];
    throw error;
  }
  const entries: RosterEntry[] = [];
  for (const subject of Object.keys(subjects).sort()) {
    const message = await connection.jsm.streams.getMessage(stream, { last_by_subj: subject });
    if (message === null) continue;
    const daemon = subject.slice(prefix.length);
    const ageS = Math.max(0, (nowMs - message.time.getTime()) / 1000);
    const operation = message.header?.get('KV-Operation');
    if (operation === 'DEL' || operation === 'PURGE') {
      entries.push({ daemon, status: 'gone', ageS });
      continue;
    }
    let record: PresenceRecord | undefined;
    try {
      record = message.json<PresenceRecord>();
    } catch {
      record = undefined;
    }
    entries.push({ daemon, status: ageS > STALE_AFTER_S ? 'stale' : 'up', ageS, ...(record === undefined ? {} : { record }) });
  }
  return entries;
}

/** What a status means, for people. */
export function describeStatus(entry: RosterEntry): string {
  const ago = `${entry.ageS.toFixed(0)} s ago`;
  if (entry.status === 'gone') return `gone (stopped cleanly ${ago})`;
  if (entry.status === 'stale') return `stale: no heartbeat for ${entry.ageS.toFixed(0)} s (killed, hung, or cut off from NATS; forgotten after ${PRESENCE_TTL_S} s)`;
  return entry.record?.state ?? 'up';
}
