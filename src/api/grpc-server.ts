/**
 * Native gRPC (HTTP/2) for Python grpcio, grpcurl and the CLI, served by @grpc/grpc-js from the
 * shared handlers. Messages are (de)serialised with protobuf-es, so both transports use the same
 * generated types. A stream writes with backpressure: a slow client makes only its own handler
 * wait (the data behind it is buffered per client and dropped or lagged there, never upstream).
 */
import type { EventEmitter } from 'node:events';
import { create, type DescMethod, type DescService, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { encodingOf } from './encoded.js';
import { toStatus } from './errors.js';
import { MAX_REQUEST_BYTES } from './limits.js';
import type { CallGate } from './gate.js';
import type { AnyHandler, CallContext } from './handlers.js';

/** A service and its handlers, by method local name. */
export interface ServiceBinding {
  service: DescService;
  handlers: Record<string, AnyHandler>;
}

/** Adds `bindings` to a new grpc-js server. */
export function createGrpcServer(bindings: readonly ServiceBinding[], gate: CallGate): grpc.Server {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
  for (const { service, handlers } of bindings) {
    const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const method of service.methods) {
      const handler = handlers[method.localName];
      if (handler === undefined) throw new Error(`no handler for ${service.typeName}.${method.name}`);
      definition[method.localName] = methodDefinition(service, method);
      implementation[method.localName] = method.methodKind === 'unary' ? unary(method, handler, gate) : serverStreaming(method, handler, gate);
    }
    server.addService(definition as grpc.ServiceDefinition, implementation);
  }
  return server;
}

function methodDefinition(service: DescService, method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: `/${service.typeName}/${method.name}`,
    requestStream: false,
    responseStream: method.methodKind === 'server_streaming',
    requestSerialize: (message) => Buffer.from(toBinary(method.input, create(method.input, message as never))),
    requestDeserialize: (bytes) => fromBinary(method.input, bytes),
    responseSerialize: (message) => {
      const known = encodingOf(message); // encoded once for every follower (encoded.ts)
      return known === undefined ? Buffer.from(toBinary(method.output, create(method.output, message as never))) : Buffer.from(known.buffer, known.byteOffset, known.byteLength);
    },
    responseDeserialize: (bytes) => fromBinary(method.output, bytes),
  };
}

function contextOf(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>, method: DescMethod, gate: CallGate): CallContext {
  const authorization = call.metadata.get('authorization')[0];
  const principal = gate(method, typeof authorization === 'string' ? authorization : undefined, call.getPeer());
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  call.on('close', () => controller.abort());
  return { signal: controller.signal, principal };
}

function unary(method: DescMethod, handler: AnyHandler, gate: CallGate): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    let context: CallContext;
    try {
      context = contextOf(call, method, gate);
    } catch (error) {
      const status = toStatus(error);
      return callback({ code: status.code, details: status.message });
    }
    (handler(call.request, context) as Promise<unknown>).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const status = toStatus(error);
        callback({ code: status.code, details: status.message });
      },
    );
  };
}

function serverStreaming(method: DescMethod, handler: AnyHandler, gate: CallGate): grpc.handleServerStreamingCall<unknown, unknown> {
  return async (call) => {
    try {
      const context = contextOf(call, method, gate);
      const writes = new PendingWrites(context.signal);
      context.sent = (ahead = 0) => writes.done(ahead);
      for await (const message of handler(call.request, context) as AsyncIterable<unknown>) {
        if (context.signal.aborted) break;
        if (!call.write(message, writes.started())) await drainedOrAborted(call, context.signal);
      }
      if (!call.cancelled) call.end();
    } catch (error) {
      const status = toStatus(error);
      if (!call.cancelled) call.emit('error', { code: status.code, details: status.message });
    }
  };
}

/**
 * The responses of a call written but not yet out (grpc-js calls a write's callback once HTTP/2
 * has sent its bytes; never, once the call is cancelled: `signal` then ends every wait).
 */
export class PendingWrites {
  private pending = 0;
  /** How many pending writes the current waiters accept. */
  private ahead = 0;
  private waiting: (() => void)[] = [];
  private readonly flush = (): void => {
    for (const resolve of this.waiting.splice(0)) resolve();
  };

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', this.flush, { once: true });
  }

  /** Counts a write; returns its callback. */
  started(): () => void {
    this.pending++;
    return this.written;
  }

  /** Resolves when at most `ahead` writes are pending, or the call has ended. */
  done(ahead: number): Promise<void> {
    if (this.pending <= ahead || this.signal.aborted) return Promise.resolve();
    this.ahead = ahead;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private readonly written = (): void => {
    if (--this.pending <= this.ahead) this.flush();
  };
}

/**
 * Resolves when `stream` emits 'drain' or `signal` aborts, whichever comes first, and removes
 * both listeners: a follower that waits for a drain at every message of a long run leaves nothing
 * behind on its call or its signal (an `events.once` per wait kept one listener each).
 */
export function drainedOrAborted(stream: EventEmitter, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    stream.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
