/**
 * Connect and gRPC-Web (for browsers) over HTTP/1.1 and h2c, served by @connectrpc/connect-node
 * from the same handlers as native gRPC.
 */
import type { DescMethod } from '@bufbuild/protobuf';
import { type Code, ConnectError, type ConnectRouter, createContextKey, createContextValues, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { toStatus } from './errors.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallGate, Rejection } from './gate.js';
import type { ServiceBinding } from './grpc-server.js';
import type { AnyHandler, CallContext } from './handlers.js';

/** The client's address, put in each call's context by the adapter. */
const PEER = createContextKey('', { description: 'the client address' });

/** Largest request body the Connect port reads, bytes, after decompression (a script upload is far smaller). */
export const MAX_REQUEST_BYTES = 16 * 2 ** 20;

/** Checks a request's token before its body is read; see gate.ts `createPreAuth`. */
export type PreAuth = (path: string, authorization: string | undefined, peer: string) => Rejection | undefined;

/**
 * A Node request listener serving `bindings` with the Connect, gRPC-Web and gRPC protocols. The
 * token is checked before any body is read (`preAuth`), and a body may inflate to at most
 * {@link MAX_REQUEST_BYTES}.
 */
export function createConnectHandler(bindings: readonly ServiceBinding[], gate: CallGate, preAuth: PreAuth): (req: IncomingMessage, res: ServerResponse) => void {
  const adapter = connectHandler(bindings, gate);
  return (req, res) => {
    const rejected = preAuth((req.url ?? '/').split('?')[0] ?? '/', headerOf(req.headers.authorization), peerOf(req.socket.remoteAddress, req.socket.remotePort));
    if (rejected === undefined) return void adapter(req, res);
    refuseUnread(req, res, rejected.reason);
  };
}

/** Answers `unauthenticated` in the request's protocol without reading its body, and closes the connection. */
function refuseUnread(req: IncomingMessage, res: ServerResponse, reason: string): void {
  const contentType = String(req.headers['content-type'] ?? '');
  res.shouldKeepAlive = false;
  if (contentType.startsWith('application/grpc')) {
    // gRPC-Web (and gRPC over HTTP/1.1 is not spoken): the status goes in the headers.
    res.writeHead(200, { 'content-type': contentType.startsWith('application/grpc-web-text') ? 'application/grpc-web-text' : 'application/grpc-web+proto', 'grpc-status': '16', 'grpc-message': encodeURIComponent(reason), connection: 'close' });
  } else {
    res.writeHead(401, { 'content-type': 'application/json', connection: 'close' });
  }
  res.end(contentType.startsWith('application/grpc') ? undefined : JSON.stringify({ code: 'unauthenticated', message: reason }), () => req.destroy());
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function connectHandler(bindings: readonly ServiceBinding[], gate: CallGate): ReturnType<typeof connectNodeAdapter> {
  return connectNodeAdapter({
    readMaxBytes: MAX_REQUEST_BYTES,
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
