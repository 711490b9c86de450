/**
 * The standard `grpc.health.v1.Health` service (what load balancers, grpcurl and Kubernetes
 * probe), with hand-written encoding of its two tiny messages: `HealthCheckRequest{string
 * service = 1}` and `HealthCheckResponse{ServingStatus status = 1}` (SERVING = 1).
 */
import * as grpc from '@grpc/grpc-js';

const SERVING = 1;
const SERVICE_UNKNOWN = 3;
const KNOWN = new Set(['', 'daq.v1.ControlService', 'daq.v1.HardwareService']);

/** A decoded request. An object, never `''`: grpc-js takes a falsy request for no request at all. */
interface HealthCheckRequest {
  service: string;
}

function decodeRequest(bytes: Buffer): HealthCheckRequest {
  return { service: decodeService(bytes) };
}

function decodeService(bytes: Buffer): string {
  // Field 1, wire type 2 (tag 0x0a), a varint length, then UTF-8.
  if (bytes.length < 2 || bytes[0] !== 0x0a) return '';
  let length = 0;
  let shift = 0;
  let i = 1;
  for (; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    length |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  return bytes.subarray(i + 1, i + 1 + length).toString('utf8');
}

function encodeStatus(status: number): Buffer {
  return Buffer.from([0x08, status]);
}

/** Adds `grpc.health.v1.Health/Check` and `/Watch` (one message) to `server`. */
export function addHealthService(server: grpc.Server): void {
  const common = { requestStream: false, requestSerialize: (r: HealthCheckRequest) => Buffer.from(r.service), requestDeserialize: decodeRequest, responseSerialize: encodeStatus, responseDeserialize: (b: Buffer) => b[1] ?? 0 };
  server.addService(
    {
      check: { path: '/grpc.health.v1.Health/Check', responseStream: false, ...common },
      watch: { path: '/grpc.health.v1.Health/Watch', responseStream: true, ...common },
    } as grpc.ServiceDefinition,
    {
      check: (call: grpc.ServerUnaryCall<HealthCheckRequest, number>, callback: grpc.sendUnaryData<number>) => {
        if (!KNOWN.has(call.request.service)) return callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        callback(null, SERVING);
      },
      watch: (call: grpc.ServerWritableStream<HealthCheckRequest, number>) => {
        call.write(KNOWN.has(call.request.service) ? SERVING : SERVICE_UNKNOWN);
      },
    },
  );
}
