/**
 * Connect and gRPC-Web (for browsers) over HTTP/1.1 and h2c, served by @connectrpc/connect-node
 * from the same handlers as native gRPC.
 */
import type { DescMethod } from '@bufbuild/protobuf';
import { type Code, ConnectError, type ConnectRouter, createContextKey, createContextValues, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { toStatus } from './errors.js';
import type { CallGate } from './gate.js';
import type { ServiceBinding } from './grpc-server.js';
import type { AnyHandler, CallContext } from './handlers.js';

/** The client's address, put in each call's context by the adapter. */
const PEER = createContextKey('', { description: 'the client address' });

/** A Node request listener serving `bindings` with the Connect, gRPC-Web and gRPC protocols. */
export function createConnectHandler(bindings: readonly ServiceBinding[], gate: CallGate): ReturnType<typeof connectNodeAdapter> {
  return connectNodeAdapter({
    contextValues: (req) => createContextValues().set(PEER, peerOf(req.socket.remoteAddress, req.socket.remotePort)),
    routes: (router: ConnectRouter) => {
      for (const { service, handlers } of bindings) {
        const impl: Record<string, unknown> = {};
        for (const method of service.methods) {
          const handler = handlers[method.localName] as AnyHandler;
          impl[method.localName] = method.methodKind === 'unary' ? unary(method, handler, gate) : streaming(method, handler, gate);
        }
        router.service(service as never, impl as never);
      }
    },
  });
}

function contextOf(method: DescMethod, context: HandlerContext, gate: CallGate): CallContext {
  return { signal: context.signal, principal: gate(method, context.requestHeader.get('authorization') ?? undefined, context.values.get(PEER)) };
}

/** `127.0.0.1:53122` / `[::1]:53122`, as grpc-js names its peers. */
function peerOf(address: string | undefined, port: number | undefined): string {
  if (address === undefined) return 'unknown';
  return address.includes(':') ? `[${address}]:${port ?? 0}` : `${address}:${port ?? 0}`;
}

function toConnectError(error: unknown): ConnectError {
  const status = toStatus(error);
  return new ConnectError(status.message, status.code as Code);
}

function unary(method: DescMethod, handler: AnyHandler, gate: CallGate) {
  return async (request: unknown, context: HandlerContext) => {
    try {
      return await (handler(request, contextOf(method, context, gate)) as Promise<unknown>);
    } catch (error) {
      throw toConnectError(error);
    }
  };
}

function streaming(method: DescMethod, handler: AnyHandler, gate: CallGate) {
  return async function* (request: unknown, context: HandlerContext) {
    try {
      yield* handler(request, contextOf(method, context, gate)) as AsyncIterable<unknown>;
    } catch (error) {
      throw toConnectError(error);
    }
  };
}
