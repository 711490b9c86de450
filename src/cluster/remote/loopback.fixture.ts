/**
 * A {@link RemoteEndpoint} over an owner's dispatcher in the same process, through the real wire
 * codec (requests, replies, errors and frame chunks are encoded and decoded as over NATS), with a
 * switch that takes the owner away and brings it back. For unit tests of the proxy.
 */
import { DaqError } from '../../core/index.js';
import type { Device, DeviceState } from '../../devices/index.js';
import type { RemoteDescription } from './describe.js';
import { createDispatcher } from './dispatch.js';
import { OwnerUnreachable, type CallResult, type RemoteEndpoint } from './remote-device.js';
import { decodeReply, decodeRequest, encodeError, encodeFrameMeta, encodeRequest, encodeValue, joinFrame, remoteError, splitFrame } from './wire.js';
import { isFrame } from '../../capabilities/index.js';

/** A loopback endpoint and its switch. */
export interface Loopback extends RemoteEndpoint {
  /** False: the owner does not answer (as a daemon that was killed). */
  up: boolean;
  /** Calls the owner received, by method. */
  readonly calls: string[];
}

/** An endpoint to `device` as owned by daemon `owner`; frames cross in chunks of `chunkBytes`. */
export function loopback(device: Device, owner = 'owner-pc', chunkBytes = 64 * 1024): Loopback {
  const dispatcher = createDispatcher(device, owner);
  const gone = (): OwnerUnreachable => new OwnerUnreachable(`daemon "${owner}" does not answer (no responders)`);
  const endpoint: Loopback = {
    owner,
    device: device.name,
    up: true,
    calls: [],
    async describe(): Promise<RemoteDescription> {
      if (!endpoint.up) throw gone();
      return (decodeReply(encodeValue(dispatcher.describe())) as { value: RemoteDescription }).value;
    },
    async call(method, args): Promise<CallResult> {
      if (!endpoint.up) throw gone();
      endpoint.calls.push(method);
      const request = decodeRequest(encodeRequest(args));
      let reply: Uint8Array;
      let chunks: Uint8Array[] = [];
      let version: number | undefined;
      let state: DeviceState | undefined;
      try {
        const result = await dispatcher.call(method, request);
        version = result.version;
        state = result.state;
        if (isFrame(result.value)) {
          const split = splitFrame(result.value, chunkBytes);
          chunks = split.chunks.map((c) => c.slice());
          reply = encodeFrameMeta(split.meta);
        } else reply = encodeValue(result.value);
      } catch (error) {
        reply = encodeError(DaqError.from(error));
      }
      if (!endpoint.up) throw gone();
      const body = decodeReply(reply);
      if ('error' in body) throw remoteError(owner, body.error);
      if ('frame' in body) return { value: joinFrame(body.frame, chunks), version, state };
      return { value: body.value, version, state };
    },
  };
  return endpoint;
}
