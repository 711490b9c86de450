/**
 * `daq run SCRIPT --remote HOST:PORT`: sends the script to a daemon, which queues it (it starts
 * at once when nothing else runs), and follows the run (see follow-run.ts) until it ends.
 */
import { basename } from 'node:path';
import { ControlService } from '../../api/gen/daq/v1/control_pb.js';
import { DaqError } from '../../core/index.js';
import type { ParamValue } from '../../engine/index.js';
import type { ScriptLimits } from '../../scripting/index.js';
import { followRemoteRun } from '../follow-run.js';
import { connect, type RemoteOptions } from '../remote.js';

/** What a remote run needs. */
export interface RemoteRunRequest {
  script: string;
  source: string;
  params: Record<string, ParamValue>;
  meta: Record<string, ParamValue>;
  limits: Partial<ScriptLimits>;
  json: boolean;
  /** Run without the daemon's type check (`--no-check`). */
  skipCheck: boolean;
  /** Start from this preset (StartRun's `preset`). */
  preset?: { name: string; openShutters: boolean; enableEmission: boolean };
}

function value(v: ParamValue) {
  if (typeof v === 'number') return { kind: { case: 'number' as const, value: v } };
  if (typeof v === 'boolean') return { kind: { case: 'flag' as const, value: v } };
  return { kind: { case: 'text' as const, value: v } };
}

/** Runs the script on the daemon (queued behind the runs there are) and follows it; returns the process exit code. */
export async function runRemote(request: RemoteRunRequest, options: RemoteOptions, exitCodes: Record<string, number>): Promise<number> {
  const client = connect(options);
  try {
    const started = await client.call(ControlService.method.startRun, {
      script: { case: 'inline', value: { name: basename(request.script), source: request.source } },
      params: Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, value(v)])),
      metadata: Object.fromEntries(Object.entries(request.meta).map(([k, v]) => [k, value(v)])),
      limits: { wallTimeS: request.limits.wallTimeS ?? 0, maxOperations: request.limits.maxOperations ?? 0, maxMemoryMb: request.limits.maxMemoryMb ?? 0 },
      skipCheck: request.skipCheck,
      ...(request.preset === undefined ? {} : { preset: request.preset }),
    });
    if (started.run === undefined) throw new DaqError('internal', `the daemon at ${client.address} started no run`);
    return await followRemoteRun(client, started.run, { json: request.json, label: basename(request.script), exitCodes, intro: 'started' });
  } finally {
    client.close();
  }
}
