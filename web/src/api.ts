/**
 * The dashboard's only way to the daemon: the public API (ControlService, HardwareService) over
 * the Connect protocol, with the token of the login (kept in sessionStorage: this tab only, gone
 * when it closes). Streams reconnect by themselves; the connection state is shared so the page
 * can say "disconnected" while the daemon restarts or the network is down.
 */
import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { ControlService } from '../../src/api/gen/daq/v1/control_pb.js';
import { HardwareService } from '../../src/api/gen/daq/v1/hardware_pb.js';
import { PresetService } from '../../src/api/gen/daq/v1/presets_pb.js';

const TOKEN_KEY = 'daq.dashboard.token';

/** The token of this tab's login, if any. */
export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps (or, with null, forgets) the token for this tab. */
export function setToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

const withToken: Interceptor = (next) => async (request) => {
  const value = token();
  if (value !== null) request.header.set('authorization', `Bearer ${value}`);
  return next(request);
};

const transport = createConnectTransport({ baseUrl: location.origin, useBinaryFormat: true, interceptors: [withToken] });

/** ControlService: runs, queue, scripts, logs, status, ring. */
export const control = createClient(ControlService, transport);
/** HardwareService: devices. */
export const hardware = createClient(HardwareService, transport);
/** PresetService: saved device settings. */
export const presets = createClient(PresetService, transport);

type ConnectionListener = (connected: boolean, why: string) => void;
const listeners = new Set<ConnectionListener>();
let connected = true;

/** Whether the daemon answered last time. */
export function isConnected(): boolean {
  return connected;
}

/** Hears every change of the connection state. */
export function onConnection(listener: ConnectionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Records that a call got through (or not, with why). */
export function markConnection(up: boolean, why = ''): void {
  if (up === connected) return;
  connected = up;
  for (const listener of listeners) listener(up, why);
}

/** True for errors that mean "the daemon cannot be reached" rather than "the daemon said no". */
export function isNetworkError(error: unknown): boolean {
  const e = ConnectError.from(error);
  return e.code === Code.Unavailable || e.code === Code.Unknown || e.code === Code.Internal && /fetch|network/i.test(e.rawMessage);
}

/** The message of an API error, as the daemon wrote it. */
export function messageOf(error: unknown): string {
  const e = ConnectError.from(error);
  return e.code === Code.Unavailable || /Failed to fetch|NetworkError/i.test(e.rawMessage) ? 'the daemon cannot be reached' : e.rawMessage;
}

/** Whether the error is a missing or unknown token. */
export function isUnauthenticated(error: unknown): boolean {
  return ConnectError.from(error).code === Code.Unauthenticated;
}

/** A unary call that updates the connection state. */
export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    markConnection(true);
    return result;
  } catch (error) {
    if (isNetworkError(error)) markConnection(false, messageOf(error));
    else markConnection(true);
    throw error;
  }
}

/**
 * Reads a server stream for ever: `open(signal)` again after it ends or fails (0.5 s, then up to
 * 3 s between tries), each message to `onMessage`, until the returned function is called.
 * `onError` hears errors that are not network errors (a refused request, say).
 */
export function follow<T>(open: (signal: AbortSignal) => AsyncIterable<T>, onMessage: (message: T) => void, onError?: (error: unknown) => void): () => void {
  const controller = new AbortController();
  void (async () => {
    let wait = 500;
    while (!controller.signal.aborted) {
      try {
        for await (const message of open(controller.signal)) {
          markConnection(true);
          wait = 500;
          onMessage(message);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (isNetworkError(error)) markConnection(false, messageOf(error));
        else onError?.(error);
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 3000);
    }
  })();
  return () => controller.abort();
}

/** Calls `fn` now and every `periodMs` until the returned function is called; one call at a time. */
export function every(periodMs: number, fn: () => Promise<unknown>): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async (): Promise<void> => {
    try {
      await fn();
    } catch {
      // the view shows its own errors; the connection state is kept by `call`
    }
    if (!stopped) timer = setTimeout(() => void tick(), periodMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
