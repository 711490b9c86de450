/**
 * `daq follow [RUN] --remote HOST:PORT`: re-attaches to a run on a daemon (after `daq run
 * --remote` detached, or from another terminal) and shows it as `daq run` does; a queued run is
 * waited for; a finished run is replayed (its rows and summary). Without RUN: the current run,
 * or when none runs, the last one.
 */
import type { Command } from 'commander';
import { ControlService, RunState, type RunSummary } from '../../api/gen/daq/v1/control_pb.js';
import { DaqError } from '../../core/index.js';
import { followRemoteRun } from '../follow-run.js';
import { exitHelp, RUN_EXIT } from '../output.js';
import { connect, type RemoteOptions, remoteOptions } from '../remote.js';

/** Registers the command on `program`. */
export function registerFollow(program: Command): void {
  remoteOptions(program.command('follow').description("show a run of a daemon live (re-attach), or replay one that has ended: its rows, log, progress and summary"), true)
    .argument('[run]', 'uid of the run (default: the current run, or the last one when none runs)')
    .option('--json', 'print only the run summary when it ends, as one JSON object')
    .addHelpText(
      'after',
      exitHelp(
        { 0: 'the run succeeded (or you detached)', 1: 'the run failed, or the daemon cannot be reached', 2: 'bad arguments or an unknown run', 3: 'the run was aborted' },
        'Ctrl-C on a terminal asks: press d to detach (the run goes on), s to stop the run, c to keep watching.\nThe log is shown live only: a replay shows the rows and the summary.',
      ),
    )
    .action(async (uid: string | undefined, options: RemoteOptions & { json?: boolean }) => {
      const client = connect(options);
      try {
        const run = await findRun(client, uid);
        process.exitCode = await followRemoteRun(client, run, { json: options.json === true, label: run.scriptName, exitCodes: RUN_EXIT, intro: 'followed' });
      } finally {
        client.close();
      }
    });
}

/** The run named, or the current one, or the last one. */
async function findRun(client: ReturnType<typeof connect>, uid: string | undefined): Promise<RunSummary> {
  if (uid !== undefined) {
    const run = (await client.call(ControlService.method.getRun, { uid })).run;
    if (run === undefined) throw new DaqError('not_found', `no run ${uid} on ${client.address}`);
    return run;
  }
  const current = await client
    .call(ControlService.method.getRun, { uid: '' })
    .then((r) => r.run)
    .catch((error: unknown) => {
      if (error instanceof DaqError && error.code === 'failed_precondition') return undefined;
      throw error;
    });
  if (current !== undefined) return current;
  const last = (await client.call(ControlService.method.listRuns, {})).runs.filter((r) => r.state === RunState.FINISHED).at(-1);
  if (last === undefined) throw new DaqError('not_found', `the daemon at ${client.address} has no finished runs yet`);
  return last;
}
