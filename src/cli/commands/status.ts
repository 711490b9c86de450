/** `daq status --remote HOST:PORT`: the daemon, its current run, the queue and the devices. */
import type { Command } from 'commander';
import { ControlService } from '../../api/gen/daq/v1/control_pb.js';
import { formatDuration, formatQuantity, formatTime, zoneLabel } from '../../core/index.js';
import { exitHelp, formatTable, printJson } from '../output.js';
import { connect, type RemoteOptions, remoteOptions, summaryJson } from '../remote.js';

/** Registers the command on `program`. */
export function registerStatus(program: Command): void {
  remoteOptions(program.command('status').description("a daemon's state: its lab, the current run, the queue, the devices"), true)
    .option('--json', 'print one JSON object')
    .addHelpText('after', exitHelp({ 0: 'shown', 1: 'the daemon cannot be reached', 2: 'bad arguments' }))
    .action(async (options: RemoteOptions & { json?: boolean }) => {
      const client = connect(options);
      try {
        // Both at once: one round trip of waiting instead of two (daq status starts in ~0.2 s).
        const abort = new AbortController();
        const firstStatus = async () => {
          for await (const message of client.stream(ControlService.method.streamStatus, { heartbeatS: 1 }, abort.signal)) {
            abort.abort();
            return message;
          }
          return undefined;
        };
        const [info, status] = await Promise.all([client.call(ControlService.method.getDaemonInfo, {}), firstStatus()]);
        const run = status?.currentRun === undefined ? null : summaryJson(status.currentRun);
        const devices = (status?.devices ?? []).map((d) => ({ name: d.name, state: d.state, ...(d.fault ? { fault: d.fault } : {}) }));
        if (options.json) {
          return printJson({ daemon: { address: client.address, version: info.version, lab: info.labName, state: status?.daemonState, role: info.role, dataDir: info.dataDir, ring: info.ring, storage: info.storage ?? null }, currentRun: run, queued: status?.queued ?? 0, queueProcessing: status?.queueProcessing ?? false, devices });
        }
        process.stdout.write(`daemon ${client.address} (ts-daq ${info.version}), lab "${info.labName}": ${status?.daemonState ?? 'unknown'}; you are ${info.role}\n`);
        if (info.startedAtS > 0) process.stdout.write(`up since ${formatTime(info.startedAtS)} (${zoneLabel(info.startedAtS)})\n`);
        const current = status?.currentRun;
        if (run !== null && current !== undefined) {
          const progress = current.progressTotal > 0 ? `, progress ${current.progressDone}/${current.progressTotal}` : '';
          const since = current.startTimeS > 0 ? `, started ${formatTime(current.startTimeS)} (${formatDuration((status?.timeS ?? current.startTimeS) - current.startTimeS)} ago)` : '';
          const why = current.suspendedReason === '' ? '' : ` (${current.suspendedReason})`;
          process.stdout.write(`current run ${current.uid} (${current.scriptName}): ${String(run['state'])}${why}${progress}${since}\n`);
        }
        process.stdout.write(`queue: ${status?.queued ?? 0} waiting${status?.queueProcessing ? '' : ' (stopped)'}\n`);
        const storage = info.storage;
        if (storage !== undefined) {
          const free = storage.freeBytes >= 0 ? `, ${formatQuantity(storage.freeBytes, 'B', { digits: 3 })} free` : '';
          process.stdout.write(storage.error === '' ? `run files: ${storage.runsDir}${free}\n` : `run files: NOT BEING WRITTEN: ${storage.error}\n`);
        }
        process.stdout.write('\n');
        process.stdout.write(`${formatTable(['DEVICE', 'STATE', 'FAULT'], devices.map((d) => [d.name, d.state, d.fault ?? '']))}\n`);
      } finally {
        client.close();
      }
    });
}
