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
import { connect, type RemoteOptions, summaryJson } from '../remote.js';
import { printJson } from '../output.js';
import type { RunSummary } from '../../api/gen/daq/v1/control_pb.js';

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
  /** Queue it for this daemon of the lab (StartRun's `daemon`): not followed (it runs there). */
  on?: string;
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
      ...(request.on === undefined ? {} : { daemon: request.on }),
    });
    if (started.run === undefined) throw new DaqError('internal', `the daemon at ${client.address} started no run`);
    if (request.on !== undefined && started.run.daemon !== '' && started.run.daemon !== request.on) throw new DaqError('internal', `asked for daemon ${request.on}, the run is for ${started.run.daemon}`);
    if (request.on !== undefined) return queuedElsewhere(started.run, request.json);
    return await followRemoteRun(client, started.run, { json: request.json, label: basename(request.script), exitCodes, intro: 'started' });
  } finally {
    client.close();
  }
}

/** `--on DAEMON`: the run waits in the lab queue for that daemon; says so (exit 0). */
function queuedElsewhere(run: RunSummary, json: boolean): number {
  if (json) printJson(summaryJson(run));
  else process.stdout.write(`queued run ${run.uid} (${run.scriptName}) for daemon ${run.daemon} in the lab queue; see it with daq queue, follow it on ${run.daemon} with daq follow ${run.uid} --remote HOST:PORT\n`);
  return 0;
}
