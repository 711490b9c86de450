/** Stored runs: ExportRun streams a run's file (HDF5 as is, or a stream as CSV / Arrow IPC file / Parquet) in chunks. */
import { DaqError } from '../../core/index.js';
import { type ExportFormat as FileFormat, exportRunFile } from '../../data/index.js';
import type { DaemonCore } from '../core.js';
import { type ControlService, ExportFormat } from '../gen/daq/v1/control_pb.js';
import type { ServiceHandlers } from '../handlers.js';
import { PIECE_BYTES } from '../limits.js';

const FORMATS: Partial<Record<ExportFormat, FileFormat>> = { [ExportFormat.H5]: 'h5', [ExportFormat.CSV]: 'csv', [ExportFormat.ARROW]: 'arrow', [ExportFormat.PARQUET]: 'parquet' };

/** The stored-run handlers of ControlService. */
export function runsHandlers(core: DaemonCore): Pick<ServiceHandlers<typeof ControlService>, 'exportRun'> {
  return {
    async *exportRun(request, context) {
      const storage = core.storage;
      if (storage === undefined) throw new DaqError('failed_precondition', 'this daemon stores no run files');
      const format = FORMATS[request.format];
      if (format === undefined) throw new DaqError('invalid_argument', 'ExportRun: give a format (H5, CSV, ARROW or PARQUET)');
      const entry = storage.find(request.runUid);
      if (!entry.fileFinished) {
        const why = entry.storageError === '' ? 'it is still being written' : entry.storageError;
        throw new DaqError('failed_precondition', `run ${entry.uid}: its file ${entry.file} is not finished (${why}); export it once the run has ended`);
      }
      const exported = exportRunFile(entry.file, format, request.stream, AbortSignal.any([context.signal, core.shutdown]));
      let first = true;
      for await (const block of exported.chunks) {
        // At most 1 MiB a message: gRPC clients refuse messages over 4 MiB by default.
        for (let at = 0; at < block.byteLength; at += PIECE_BYTES) {
          const chunk = block.subarray(at, at + PIECE_BYTES);
          yield first ? { chunk, fileName: exported.fileName, totalBytes: exported.totalBytes } : { chunk };
          first = false;
        }
      }
      if (first) yield { chunk: new Uint8Array(0), fileName: exported.fileName, totalBytes: exported.totalBytes };
    },
  };
}
