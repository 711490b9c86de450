/**
 * `daq pause [RUN]`, `daq resume [RUN]` and `daq abort [RUN]` (alias `daq stop`): control a run
 * on a daemon; without RUN, the current run. A paused run holds at its next device call; an
 * aborted run stops at once and the devices it used go to their safe state; aborting a queued
 * run removes it from the queue.
 */
import type { Command } from 'commander';
import { ControlService, RunState, type RunSummary } from '../../api/gen/daq/v1/control_pb.js';
import { exitHelp, printJson, REMOTE_EXIT_HELP } from '../output.js';
import { connect, type RemoteOptions, remoteOptions, summaryJson } from '../remote.js';

interface ControlOptions extends RemoteOptions {
  json?: boolean;
  reason?: string;
}

/** Registers `daq pause`, `daq resume` and `daq abort` (`daq stop`) on `program`. */
export function registerControl(program: Command): void {
  remoteOptions(program.command('pause').description('pause a run on a daemon (default: the current run); it holds at its next device call'), true)
    .argument('[run]', 'uid of the run (default: the current run)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', exitHelp(REMOTE_EXIT_HELP, 'daq resume lets it go on; daq abort ends it.'))
    .action(async (uid: string | undefined, options: ControlOptions) => {
      await control(options, async (client) => (await client.call(ControlService.method.pauseRun, { uid: uid ?? '' })).run, (run) => `paused run ${run.uid} (${run.scriptName}): it holds at its next device call (daq resume ${run.uid})`);
    });

  remoteOptions(program.command('resume').description('let a paused run on a daemon go on (default: the current run)'), true)
    .argument('[run]', 'uid of the run (default: the current run)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', exitHelp(REMOTE_EXIT_HELP))
    .action(async (uid: string | undefined, options: ControlOptions) => {
      await control(options, async (client) => (await client.call(ControlService.method.resumeRun, { uid: uid ?? '' })).run, (run) => `resumed run ${run.uid} (${run.scriptName})`);
    });

  remoteOptions(
    program
      .command('abort')
      .alias('stop')
      .description('abort a run on a daemon (default: the current run): devices it used go to their safe state; a queued run is removed from the queue'),
    true,
  )
    .argument('[run]', 'uid of the run (default: the current run)')
    .option('--reason <text>', 'why, recorded in the run', 'aborted from the CLI')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', exitHelp(REMOTE_EXIT_HELP))
    .action(async (uid: string | undefined, options: ControlOptions) => {
      await control(
        options,
        async (client) => (await client.call(ControlService.method.stopRun, { uid: uid ?? '', reason: options.reason ?? '' })).run,
        (run) => (run.state === RunState.FINISHED && run.startTimeS === 0 ? `removed run ${run.uid} (${run.scriptName}) from the queue` : `aborting run ${run.uid} (${run.scriptName}): devices it used go to their safe state`),
      );
    });
}

async function control(options: ControlOptions, act: (client: ReturnType<typeof connect>) => Promise<RunSummary | undefined>, say: (run: RunSummary) => string): Promise<void> {
  const client = connect(options);
  try {
    const run = await act(client);
    if (run === undefined) return;
    if (options.json) return printJson(summaryJson(run));
    process.stdout.write(`${say(run)}\n`);
  } finally {
    client.close();
  }
}
