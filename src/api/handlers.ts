/**
 * The one set of handler functions behind both transports: native gRPC (grpc-js) and
 * Connect/gRPC-Web (connect-node). A handler knows the request, the caller and a cancellation
 * signal; it throws `DaqError`s and never sees a transport. The adapters in grpc-server.ts and
 * connect-server.ts turn these into their framework's services, with auth and error mapping.
 */
import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { Principal } from './auth.js';

/** What a handler knows of the call. */
export interface CallContext {
  /** Aborts when the client cancels or disconnects, or the daemon shuts down. */
  signal: AbortSignal;
  /** Who is calling, and with which role. */
  principal: Principal;
  /**
   * A streaming call over a transport that queues responses (native gRPC: up to 16 a call):
   * resolves when at most `ahead` (default 0) of the responses yielded so far are still to be
   * written out to the connection (which HTTP/2 flow control may hold back), or the call has
   * ended. A handler whose next response is best made late, of whatever is newest then, waits
   * for it before making it. Absent where the transport takes one response at a time anyway
   * (Connect).
   */
  sent?: (ahead?: number) => Promise<void>;
}

type HandlerFor<M> = M extends { methodKind: 'unary'; input: infer I extends DescMessage; output: infer O extends DescMessage }
  ? (request: MessageShape<I>, context: CallContext) => Promise<MessageInitShape<O>>
  : M extends { methodKind: 'server_streaming'; input: infer I extends DescMessage; output: infer O extends DescMessage }
    ? (request: MessageShape<I>, context: CallContext) => AsyncIterable<MessageInitShape<O>>
    : never;

/** Handlers of every method of a service, by the method's local name (`startRun`). */
export type ServiceHandlers<S> = S extends GenService<infer T extends GenServiceMethods> ? { [K in keyof T]: HandlerFor<T[K]> } : never;

/** Any handler, as the adapters call it. */
export type AnyHandler = (request: unknown, context: CallContext) => Promise<unknown> | AsyncIterable<unknown>;
