/**
 * The caller's side of remote device calls over NATS request/reply (the owner serves them, see
 * device-service.ts). A call that gets no responder, or whose owner stops answering while it
 * waits (checked every second by a `describe` request), fails with {@link OwnerUnreachable}: the
 * device is faulted. A call that outlasts its timeout while the owner still answers fails with
 * `deadline_exceeded` (a slow move is not a lost owner). Frames arrive in chunks on an inbox of
 * the call before its reply.
 */
import { createInbox, headers, type Msg, type NatsConnection, RequestError, TimeoutError } from '@nats-io/transport-node';
import { DaqError } from '../../core/index.js';
import type { RemoteDescription } from './describe.js';
import { labNames } from '../names.js';
import { OwnerUnreachable, type CallOptions, type CallResult, type RemoteEndpoint } from './remote-device.js';
import { CALLER_HEADER, CHUNK_INDEX_HEADER, CHUNKS_HEADER, decodeReply, encodeRequest, type FrameMeta, joinFrame, remoteError, RUN_HEADER, STATE_HEADER, SYNC_HEADER } from './wire.js';
import type { DeviceState } from '../../devices/index.js';

/** Who calls: this daemon, and the run in progress. */
export interface Caller {
  daemon: string;
  runUid(): string | undefined;
}

/** Seconds between the checks that the owner still answers while a call waits. */
const WATCH_EVERY_S = 1;
/** Longest wait for a `describe` (the owner answers it at once). */
const DESCRIBE_TIMEOUT_S = 3;
/** Longest wait for the rest of a frame's chunks after its reply. */
const CHUNKS_TIMEOUT_S = 10;

/** An endpoint to `owner`'s `device` of `lab`, over `nc`. */
export class NatsEndpoint implements RemoteEndpoint {
  private readonly subject: string;

  /**
   * `connection`: the cluster's NATS connection, `undefined` while the daemon has not joined yet;
   * `joined`: resolves once it has.
   */
  constructor(
    private readonly connection: () => NatsConnection | undefined,
    private readonly joined: Promise<unknown>,
    lab: string,
    readonly owner: string,
    readonly device: string,
    private readonly caller: Caller,
  ) {
    this.subject = labNames(lab).device(owner, device);
  }

  async ready(signal: AbortSignal): Promise<void> {
    if (this.connection() !== undefined) return;
    let onAbort: (() => void) | undefined;
    await Promise.race([
      this.joined,
      new Promise<void>((resolve) => {
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]).finally(() => onAbort !== undefined && signal.removeEventListener('abort', onAbort));
  }

  async describe(timeoutS: number): Promise<RemoteDescription> {
    const reply = await this.request('describe', new Uint8Array(), Math.min(timeoutS, DESCRIBE_TIMEOUT_S), true);
    const body = decodeReply(reply.data);
    if ('error' in body) throw remoteError(this.owner, body.error);
    if (!('value' in body)) throw new DaqError('internal', `daemon "${this.owner}" described ${this.device} with nothing`);
    return body.value as RemoteDescription;
  }

  async call(method: string, args: readonly unknown[], options: CallOptions): Promise<CallResult> {
    const chunks = method === 'snap' ? this.collectChunks() : undefined;
    try {
      const reply = await this.watched(this.request(method, encodeRequest(args), options.timeoutS, false, chunks?.inbox));
      const body = decodeReply(reply.data);
      const version = Number(reply.headers?.get(SYNC_HEADER) ?? Number.NaN);
      const state = (reply.headers?.get(STATE_HEADER) || undefined) as DeviceState | undefined;
      const result = { version: Number.isFinite(version) ? version : undefined, state };
      if ('error' in body) throw remoteError(this.owner, body.error);
      if ('frame' in body) {
        if (chunks === undefined) throw new DaqError('internal', `daemon "${this.owner}" sent a frame for ${this.device}.${method}`);
        return { ...result, value: joinFrame(body.frame, await chunks.all(body.frame)) };
      }
      return { ...result, value: body.value };
    } finally {
      chunks?.close();
    }
  }

  /** One request; NATS failures become {@link OwnerUnreachable} (no responder; no reply to `describe`) or `deadline_exceeded`. */
  private async request(method: string, data: Uint8Array, timeoutS: number, lostOnTimeout: boolean, inbox?: string): Promise<Msg> {
    const h = headers();
    h.set(CALLER_HEADER, this.caller.daemon);
    const run = this.caller.runUid();
    if (run !== undefined) h.set(RUN_HEADER, run);
    if (inbox !== undefined) h.set(CHUNKS_HEADER, inbox);
    const nc = this.connection();
    if (nc === undefined) throw new OwnerUnreachable(`this daemon has not joined the cluster yet: it cannot reach daemon "${this.owner}"`);
    try {
      return await nc.request(`${this.subject}.${method}`, data, { timeout: Math.round(timeoutS * 1000), headers: h });
    } catch (error) {
      throw this.failure(method, timeoutS, lostOnTimeout, error);
    }
  }

  private failure(method: string, timeoutS: number, lostOnTimeout: boolean, error: unknown): DaqError {
    const noResponders = error instanceof RequestError && error.isNoResponders();
    const timedOut = error instanceof TimeoutError || (error instanceof Error && error.cause instanceof TimeoutError);
    if (noResponders) return new OwnerUnreachable(`daemon "${this.owner}" does not answer for "${this.device}" (no responders: it is not running, or not in the cluster, or has no device "${this.device}")`, error);
    if (timedOut && !lostOnTimeout) return new DaqError('deadline_exceeded', `daemon "${this.owner}": ${this.device}.${method} did not return within ${timeoutS} s`);
    if (timedOut) return new OwnerUnreachable(`daemon "${this.owner}" does not answer for "${this.device}" (no reply within ${timeoutS} s)`, error);
    const why = error instanceof Error ? error.message : String(error);
    return new OwnerUnreachable(`daemon "${this.owner}" cannot be reached for "${this.device}" (${why})`, error);
  }

  /** `call`, or {@link OwnerUnreachable} as soon as the owner stops answering while it waits. */
  private async watched<T>(call: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const lost = new Promise<never>((_, reject) => {
      const check = (): void => {
        timer = undefined;
        this.describe(DESCRIBE_TIMEOUT_S).then(
          () => {
            if (!settled) timer = setTimeout(check, WATCH_EVERY_S * 1000);
          },
          (error: unknown) => {
            if (!settled && error instanceof OwnerUnreachable) reject(error);
            else if (!settled) timer = setTimeout(check, WATCH_EVERY_S * 1000);
          },
        );
      };
      timer = setTimeout(check, WATCH_EVERY_S * 1000);
    });
    lost.catch(() => undefined);
    try {
      return await Promise.race([call, lost]);
    } finally {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      call.catch(() => undefined);
    }
  }

  /** An inbox that gathers a frame's chunks, by index. */
  private collectChunks(): { inbox: string; all(meta: FrameMeta): Promise<Uint8Array[]>; close(): void } {
    const nc = this.connection();
    if (nc === undefined) throw new OwnerUnreachable(`this daemon has not joined the cluster yet: it cannot reach daemon "${this.owner}"`);
    const inbox = createInbox();
    const received = new Map<number, Uint8Array>();
    let wanted: { count: number; done: () => void } | undefined;
    const subscription = nc.subscribe(inbox, {
      callback: (error, msg) => {
        if (error !== null) return;
        received.set(Number(msg.headers?.get(CHUNK_INDEX_HEADER) ?? -1), msg.data);
        if (wanted !== undefined && received.size >= wanted.count) wanted.done();
      },
    });
    return {
      inbox,
      all: async (meta) => {
        if (received.size < meta.chunks) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await new Promise<void>((resolve, reject) => {
            wanted = { count: meta.chunks, done: resolve };
            timer = setTimeout(() => reject(new OwnerUnreachable(`daemon "${this.owner}": ${received.size} of ${meta.chunks} chunks of frame ${meta.frameNumber} of "${this.device}" arrived within ${CHUNKS_TIMEOUT_S} s`)), CHUNKS_TIMEOUT_S * 1000);
          }).finally(() => clearTimeout(timer));
        }
        return Array.from({ length: meta.chunks }, (_, i) => {
          const chunk = received.get(i);
          if (chunk === undefined) throw new DaqError('internal', `chunk ${i} of frame ${meta.frameNumber} of "${this.device}" is missing`);
          return chunk;
        });
      },
      close: () => subscription.unsubscribe(),
    };
  }
}
