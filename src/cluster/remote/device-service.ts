/**
 * The device service of a clustered daemon: its devices, callable by the other daemons of the
 * lab over NATS request/reply with the NATS services API (so `nats micro ls` and `nats micro info`
 * list it). One service per daemon, `daq-<lab>-<daemon>`; per device a group
 * `daq.<lab>.<daemon>.device.<device>` with an endpoint `describe` (what a proxy needs: see
 * describe.ts) and one per method of the device's capabilities (`...device.stage.moveAbs`).
 * Errors keep the device's `DaqError` code and message, in the body (wire.ts) and in the
 * services API's error headers. A camera's frame goes in chunks to the inbox the caller names,
 * each under the server's max payload, before the reply that says how many there are.
 */
import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { type Service, type ServiceMsg, Svcm } from '@nats-io/services';
import { isFrame } from '../../capabilities/index.js';
import { DaqError, type ErrorCode } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import { labNames } from '../names.js';
import { createDispatcher, type DeviceDispatcher } from './dispatch.js';
import {
  CALLER_HEADER,
  CHUNK_INDEX_HEADER,
  CHUNKS_HEADER,
  decodeRequest,
  encodeError,
  encodeFrameMeta,
  encodeValue,
  splitFrame,
  STATE_HEADER,
  SYNC_HEADER,
} from './wire.js';

/** Options of {@link serveDevices}. */
export interface DeviceServiceOptions {
  /** The lab's id and this daemon's name (tokens of the subjects). */
  lab: string;
  daemon: string;
  /** The devices to serve (devices that are themselves remote are left out). */
  devices: readonly Device[];
  /**
   * Why `device` may not be used by another daemon now (this daemon's own run is using it), or
   * `undefined` when it may.
   */
  inUseHere?: (device: string) => string | undefined;
}

/** A running device service. */
export interface DeviceService {
  /** The subject prefix of a device: `daq.<lab>.<daemon>.device.<device>`. */
  subjectOf(device: string): string;
  stop(): Promise<void>;
}

/** Largest chunk of a frame's pixels, bytes: under the default max payload (1 MB) with room for headers. */
const MAX_CHUNK_BYTES = 512 * 1024;

/** The subject prefix of a device's calls. */
export function deviceSubject(lab: string, daemon: string, device: string): string {
  return labNames(lab).device(daemon, device);
}

/** Serves `options.devices` on `nc`. */
export async function serveDevices(nc: NatsConnection, options: DeviceServiceOptions): Promise<DeviceService> {
  // @nats-io/services 3.0.0-25 is built on an older @nats-io/nats-core than the client: the same
  // connection and headers at run time, different types to the compiler.
  const service: Service = await new Svcm(nc as unknown as ConstructorParameters<typeof Svcm>[0]).add({
    name: `daq-${options.lab}-${options.daemon}`,
    version: '1.0.0',
    description: `the devices of daemon "${options.daemon}" of lab "${options.lab}" (ts-daq)`,
    metadata: { lab: options.lab, daemon: options.daemon },
  });
  const chunkBytes = Math.max(16 * 1024, Math.min(MAX_CHUNK_BYTES, (nc.info?.max_payload ?? 1024 * 1024) - 16 * 1024));
  for (const device of options.devices) {
    if (device.driver === 'remote') continue;
    const dispatcher = createDispatcher(device, options.daemon);
    const group = service.addGroup(deviceSubject(options.lab, options.daemon, device.name));
    group.addEndpoint('describe', (error, msg) => {
      if (error !== null) return;
      msg.respond(encodeValue(dispatcher.describe()));
    });
    for (const method of dispatcher.methods) {
      group.addEndpoint(method, (error, msg) => {
        if (error === null) void handle(nc, dispatcher, method, msg, options, chunkBytes);
      });
    }
  }
  return {
    subjectOf: (device) => deviceSubject(options.lab, options.daemon, device),
    stop: async () => {
      await service.stop().catch(() => undefined);
    },
  };
}

async function handle(nc: NatsConnection, dispatcher: DeviceDispatcher, method: string, msg: ServiceMsg, options: DeviceServiceOptions, chunkBytes: number): Promise<void> {
  const device = dispatcher.device.name;
  try {
    const caller = msg.headers?.get(CALLER_HEADER) ?? '';
    const busy = options.inUseHere?.(device);
    if (busy !== undefined && caller !== options.daemon) {
      throw new DaqError('failed_precondition', `${device}: in use by ${busy}`, { device });
    }
    const result = await dispatcher.call(method, decodeRequest(msg.data));
    const replyHeaders = headers();
    replyHeaders.set(SYNC_HEADER, String(result.version));
    replyHeaders.set(STATE_HEADER, result.state);
    if (isFrame(result.value)) {
      const inbox = msg.headers?.get(CHUNKS_HEADER) ?? '';
      if (inbox === '') throw new DaqError('invalid_argument', `${device}: ${method} returns a frame: the request must name an inbox for its chunks (${CHUNKS_HEADER} header)`);
      const { meta, chunks } = splitFrame(result.value, chunkBytes);
      chunks.forEach((chunk, index) => nc.publish(inbox, chunk, { headers: chunkHeaders(index) }));
      msg.respond(encodeFrameMeta(meta), { headers: replyHeaders } as RespondOptions);
    } else {
      const body = encodeValue(result.value);
      const maxPayload = nc.info?.max_payload ?? Infinity;
      // Headers and protocol fit in 4 KiB; a body over the limit would be refused by the client as "max_payload exceeded".
      if (body.length + 4096 > maxPayload) {
        throw new DaqError('resource_exhausted', `${device}: the reply of ${method} is ${body.length} bytes, more than the NATS server's max_payload of ${maxPayload} bytes allows; ask for less at a time (a DAQ card: smaller blocks or fewer channels)`, { device });
      }
      msg.respond(body, { headers: replyHeaders } as RespondOptions);
    }
  } catch (error) {
    const problem = DaqError.from(error, { device });
    msg.respondError(statusOf(problem.code), problem.message, encodeError(problem));
  }
}

/** The publish options of the services API's messages (its own nats-core's types). */
type RespondOptions = Parameters<ServiceMsg['respond']>[1];

function chunkHeaders(index: number): MsgHdrs {
  const h = headers();
  h.set(CHUNK_INDEX_HEADER, String(index));
  return h;
}

/** The services API's numeric error code (HTTP-like) of a `DaqError` code; the body keeps ours. */
function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'invalid_argument':
    case 'out_of_range':
      return 400;
    case 'not_found':
      return 404;
    case 'failed_precondition':
    case 'already_exists':
    case 'aborted':
      return 409;
    case 'unimplemented':
      return 501;
    case 'unavailable':
      return 503;
    case 'deadline_exceeded':
      return 504;
    default:
      return 500;
  }
}
