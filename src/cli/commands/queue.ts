/**
 * `daq queue`: the runs waiting on a daemon, next first, and what to do with them: `move RUN
 * POSITION`, `remove RUN`, `clear`, and `stop`/`start` (hold the queue after the current run, or
 * take runs from it again). Positions count from 1 (the next run to start). Changing the queue
 * needs the admin role.
 */
import type { Command } from 'commander';
import { ControlService, type RunSummary } from '../../api/gen/daq/v1/control_pb.js';
import { DaqError, formatTime } from '../../core/index.js';
import { exitHelp, formatTable, printJson, REMOTE_EXIT_HELP } from '../output.js';
import { connect, type RemoteOptions, remoteOptions, startedByText, summaryJson } from '../remote.js';

type QueueOptions = RemoteOptions & { json?: boolean };
type Client = ReturnType<typeof connect>;

const CHANGE_EXIT = { ...REMOTE_EXIT_HELP, 1: 'the daemon refused (not an admin, the run is no longer queued) or cannot be reached' };

/** Registers `daq queue` and its subcommands on `program`. */
export function registerQueue(program: Command): void {
  const queue = remoteOptions(program.command('queue').description('the runs waiting on a daemon, next first; subcommands change the queue'), true)
    .option('--json', 'print one JSON object: {processing, current, queued: [run summaries]}')
    .addHelpText('after', exitHelp(REMOTE_EXIT_HELP, 'Positions count from 1, the next run to start.'))
    .action(async (options: QueueOptions) => withClient(options, (client) => list(client, options)));

  sub(queue, 'move', 'move a queued run to POSITION (1 = next)')
    .argument('<run>', 'uid of the queued run')
    .argument('<position>', 'its new place in the queue, from 1', positionOf)
    .action(async (uid: string, position: number, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<QueueOptions>();
      await withClient(options, async (client) => {
        await client.call(ControlService.method.moveInQueue, { uid, index: position - 1 });
        await list(client, options);
      });
    });

  sub(queue, 'remove', 'remove a queued run from the queue (it ends as aborted, never started)')
    .argument('<run>', 'uid of the queued run')
    .action(async (uid: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<QueueOptions>();
      await withClient(options, async (client) => {
        await client.call(ControlService.method.removeFromQueue, { uid });
        await list(client, options);
      });
    });

  sub(queue, 'clear', 'remove every queued run (the current run goes on)').action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<QueueOptions>();
    await withClient(options, async (client) => {
      await client.call(ControlService.method.clearQueue, {});
      await list(client, options);
    });
  });

  sub(queue, 'stop', 'hold the queue: start no more runs after the current one (it goes on)').action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<QueueOptions>();
    await withClient(options, async (client) => {
      await client.call(ControlService.method.stopQueue, {});
      await list(client, options);
    });
  });

  sub(queue, 'start', 'take runs from the queue again').action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<QueueOptions>();
    await withClient(options, async (client) => {
      await client.call(ControlService.method.startQueue, {});
      await list(client, options);
    });
  });
}

/** A subcommand of `daq queue`, with the queue's options and its exit statuses. */
function sub(queue: Command, name: string, description: string): Command {
  return remoteOptions(queue.command(name).description(`${description}; then lists the queue`), true)
    .option('--json', 'print the queue as JSON')
    .addHelpText('after', exitHelp(CHANGE_EXIT));
}

function positionOf(text: string): number {
  const position = Number(text);
  if (!Number.isInteger(position) || position < 1) throw new DaqError('invalid_argument', `position must be a whole number from 1 (the next run), got "${text}"`);
  return position;
}

async function withClient(options: RemoteOptions, fn: (client: Client) => Promise<void>): Promise<void> {
  const client = connect(options);
  try {
    await fn(client);
  } finally {
    client.close();
  }
}

/** Prints the current run and the queue. */
async function list(client: Client, options: QueueOptions): Promise<void> {
  const [queue, current] = await Promise.all([client.call(ControlService.method.listQueue, {}), client.call(ControlService.method.getRun, { uid: '' }).then((r) => r.run).catch(() => undefined)]);
  if (options.json) return printJson({ processing: queue.processing, current: current === undefined ? null : summaryJson(current), queued: queue.runs.map(summaryJson) });
  process.stdout.write(current === undefined ? 'no run in progress\n' : `current run ${current.uid} (${current.scriptName}): ${String(summaryJson(current)['state'])}\n`);
  if (!queue.processing) process.stdout.write('the queue is stopped: no run starts until `daq queue start`\n');
  if (queue.runs.length === 0) return void process.stdout.write('the queue is empty\n');
  // A daemon in a cluster lists its lab's queue: each run with the daemon that runs it.
  const lab = queue.runs.some((r) => r.daemon !== '');
  const rows = queue.runs.map((r: RunSummary, i) => [String(i + 1), r.uid, r.scriptName, ...(lab ? [r.daemon] : []), formatTime(r.queuedAtS), startedByText(r)]);
  process.stdout.write(`${formatTable(['POS', 'UID', 'SCRIPT', ...(lab ? ['DAEMON'] : []), 'QUEUED AT', 'BY'], rows)}\n`);
}
