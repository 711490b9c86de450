/**
 * The export worker: reads a run file block by block (export.ts) and hands each block to the
 * parent when asked for the next one (`workerData.port`), so a slow client holds at most one
 * block in memory. Messages out: `{chunk}`, then `{done: true}` or `{error}`.
 */
import { once } from 'node:events';
import { type MessagePort, workerData } from 'node:worker_threads';
import { DaqError } from '../../core/index.js';
import { exportStream, type TableFormat } from './export.js';
import { loadH5 } from './h5.js';

const { port, path, format, stream } = workerData as { port: MessagePort; path: string; format: TableFormat; stream: string };

try {
  await loadH5();
  for await (const chunk of exportStream(path, format, stream)) {
    await once(port, 'message'); // the parent wants the next block
    port.postMessage({ chunk }, [chunk.buffer as ArrayBuffer].filter((b) => b.byteLength === chunk.byteLength));
  }
  await once(port, 'message');
  port.postMessage({ done: true });
} catch (error) {
  const e = DaqError.from(error);
  port.postMessage({ error: { code: e.code, message: e.message } });
}
port.close();
