/**
 * A Node client of the daemon over native gRPC, typed by the generated descriptors: what the
 * `daq` CLI uses with `--remote`. Errors come back as `DaqError`s with the server's message.
 */
import { create, type DescMessage, type DescMethod, fromBinary, type MessageInitShape, type MessageShape, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { DaqError } from '../core/index.js';
import { fromStatusCode } from './errors.js';
import { ControlService } from './gen/daq/v1/control_pb.js';
import type { RunDocument } from './gen/daq/v1/documents_pb.js';
import { MAX_MESSAGE_BYTES } from './limits.js';

type UnaryMethod<I extends DescMessage, O extends DescMessage> = DescMethod & { methodKind: 'unary'; input: I; output: O };
type StreamMethod<I extends DescMessage, O extends DescMessage> = DescMethod & { methodKind: 'server_streaming'; input: I; output: O };

/** Options of {@link DaemonClient}. */
export interface ClientOptions {
  /** Bearer token (default: none). */
  token?: string;
  /** PEM of the CA that signed the daemon's certificate; plain text when absent. */
  rootCert?: Buffer;
  /**
   * HTTP/2 flow-control window this client gives the daemon, per stream and for the connection
   * (bytes; grpc-js' `grpc-node.flow_control_window`). Default: HTTP/2's 65,535 bytes.
   */
  flowControlWindowBytes?: number;
  /**
   * A connection of its own (default: false). grpc-js otherwise shares one HTTP/2 connection
   * among the clients of a process that have the same address and options, and so its
   * flow-control window: a client that must not wait behind others' streams asks for its own.
   */
  ownConnection?: boolean;
}

/** A connection to a daemon. */
export class DaemonClient {
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();

  constructor(
    readonly address: string,
    options: ClientOptions = {},
  ) {
    const credentials = options.rootCert === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(options.rootCert);
    // Replies as large as the server accepts (a ReadStreamRange of a long window is tens of MB).
    this.client = new grpc.Client(address, credentials, {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      ...(options.flowControlWindowBytes === undefined ? {} : { 'grpc-node.flow_control_window': options.flowControlWindowBytes }),
      ...(options.ownConnection === true ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
    });
    if (options.token !== undefined) this.metadata.set('authorization', `Bearer ${options.token}`);
  }

  /** Calls a unary method. */
  call<I extends DescMessage, O extends DescMessage>(method: UnaryMethod<I, O>, request: MessageInitShape<I>, timeoutS = 30): Promise<MessageShape<O>> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path(method),
        (message: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, message))),
        (bytes: Buffer) => fromBinary(method.output, bytes),
        request,
        this.metadata,
        { deadline: Date.now() + timeoutS * 1000 },
        (error, response) => {
          if (!error) resolve(response as MessageShape<O>);
          else if (error.code === grpc.status.DEADLINE_EXCEEDED) reject(new DaqError('deadline_exceeded', `${method.name}: no answer from the daemon at ${this.address} within ${timeoutS} s (${error.details})`));
          else reject(toDaqError(error, this.address));
        },
      );
    });
  }

  /** Calls a server-streaming method; the stream ends when the server ends it or `signal` aborts. */
  async *stream<I extends DescMessage, O extends DescMessage>(method: StreamMethod<I, O>, request: MessageInitShape<I>, signal?: AbortSignal): AsyncGenerator<MessageShape<O>> {
    const call = this.client.makeServerStreamRequest(
      path(method),
      (message: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, message))),
      (bytes: Buffer) => fromBinary(method.output, bytes),
      request,
      this.metadata,
    );
    const onAbort = (): void => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call) yield message as MessageShape<O>;
    } catch (error) {
      if ((error as grpc.ServiceError).code === grpc.status.CANCELLED && signal?.aborted) return;
      throw toDaqError(error as grpc.ServiceError, this.address);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  /**
   * The documents of run `runUid` (empty: the current or next run) from `fromIndex`, in order,
   * until its stop document (StreamRunDocuments): asked for in batches (several documents per
   * message while this client is behind), taken one at a time from a daemon that sends them so.
   */
  async *documents(runUid: string, fromIndex = 0, signal?: AbortSignal): AsyncGenerator<RunDocument> {
    for await (const message of this.stream(ControlService.method.streamRunDocuments, { runUid, fromIndex, acceptBatches: true }, signal)) {
      if (message.documents.length > 0) yield* message.documents;
      else if (message.document !== undefined) yield message.document;
    }
  }

  /** Closes the connection. */
  close(): void {
    this.client.close();
  }
}

function path(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function toDaqError(error: grpc.ServiceError, address: string): DaqError {
  if (error.code === grpc.status.UNAVAILABLE) return new DaqError('unavailable', `cannot reach the daemon at ${address}: ${error.details}`);
  if (error.code === grpc.status.UNAUTHENTICATED || error.code === grpc.status.PERMISSION_DENIED) {
    return new DaqError('failed_precondition', `${error.code === grpc.status.UNAUTHENTICATED ? 'not authenticated' : 'permission denied'}: ${error.details}`);
  }
  return new DaqError(fromStatusCode(error.code), error.details || error.message);
}
