/**
 * The writer worker thread: loads HDF5 (h5wasm), then loops: one {@link RunWriter} step, then a
 * short sleep when it has caught up with the ring. Control messages come through the MessagePort
 * in `workerData.control` and are drained synchronously at each step; reports go to the parent.
 * All HDF5 work happens here, so the daemon's event loop never waits for the disk.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { loadH5 } from './h5.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { recoverRuns } from './recovery.js';
import { RunWriter } from './run-writer.js';

interface WriterWorkerData {
  control: MessagePort;
  gzip: number;
  flushS: number;
}

const { control, gzip, flushS } = workerData as WriterWorkerData;
const post = (message: FromWorker): void => parentPort?.postMessage(message);

await loadH5();
const writer = new RunWriter({ gzip, flushS, report: post });
let closing = false;

function drain(): ToWorker[] {
  const messages: ToWorker[] = [];
  for (let received = receiveMessageOnPort(control); received !== undefined; received = receiveMessageOnPort(control)) {
    const message = received.message as ToWorker;
    if (message.type === 'close') closing = true;
    else if (message.type === 'recover') post({ type: 'recovered', runs: recoverSafely(message.ringPath, message.runs) });
    else messages.push(message);
  }
  return messages;
}

/** Recovery always answers (the daemon waits for it before it listens): a failure is reported, never a hang. */
function recoverSafely(ringPath: string, runs: Parameters<typeof recoverRuns>[1]): ReturnType<typeof recoverRuns> {
  try {
    return recoverRuns(ringPath, runs, { gzip });
  } catch (error) {
    post({ type: 'health', error: `recovering the runs of a daemon that died failed: ${(error as Error).message}` });
    return [];
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
for (;;) {
  let caughtUp = true;
  try {
    caughtUp = writer.advance(drain);
  } catch (error) {
    // Something unexpected (a damaged ring record): say so and go on, rather than stop writing.
    post({ type: 'health', error: `the HDF5 writer hit an error and goes on: ${(error as Error).message}` });
    await sleep(1000);
  }
  if (closing) {
    writer.close();
    post({ type: 'closed' });
    break;
  }
  await sleep(writer.blocked ? 50 : caughtUp ? (writer.busy ? 2 : 10) : 0);
}
control.close();
