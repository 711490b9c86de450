/**
 * Reading ReadStreamRange from Node: its pieces (at most 1 MiB each) put back together into one
 * Arrow IPC stream per part. A part is rows of one schema; a stream whose fields changed between
 * runs gives several parts, oldest first (docs/api.md).
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DaemonClient } from './client.js';
import { ControlService, type ReadStreamRangeRequestSchema } from './gen/daq/v1/control_pb.js';

/** The Arrow IPC stream bytes of each part of a range, oldest first (`tableFromIPC` reads each). */
export async function readStreamRange(client: DaemonClient, request: MessageInitShape<typeof ReadStreamRangeRequestSchema>, signal?: AbortSignal): Promise<Uint8Array[]> {
  const pieces: Uint8Array[][] = [];
  for await (const message of client.stream(ControlService.method.readStreamRange, request, signal)) {
    (pieces[message.part] ??= []).push(message.arrowIpc);
  }
  return pieces.map((part) => (part.length === 1 ? (part[0] as Uint8Array) : Buffer.concat(part)));
}
