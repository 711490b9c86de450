/** The one place DaqError codes become RPC status codes (gRPC numbering, shared by Connect). */
import { DaqError, type ErrorCode, formatLocation } from '../core/index.js';
import { AuthError } from './auth-error.js';

/** gRPC status codes, as numbers (the same numbering Connect's `Code` uses). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  invalid_argument: GrpcCode.INVALID_ARGUMENT,
  not_found: GrpcCode.NOT_FOUND,
  already_exists: GrpcCode.ALREADY_EXISTS,
  failed_precondition: GrpcCode.FAILED_PRECONDITION,
  out_of_range: GrpcCode.OUT_OF_RANGE,
  unavailable: GrpcCode.UNAVAILABLE,
  deadline_exceeded: GrpcCode.DEADLINE_EXCEEDED,
  cancelled: GrpcCode.CANCELLED,
  aborted: GrpcCode.ABORTED,
  resource_exhausted: GrpcCode.RESOURCE_EXHAUSTED,
  unimplemented: GrpcCode.UNIMPLEMENTED,
  internal: GrpcCode.INTERNAL,
};

/** The status code and message for anything a handler threw. */
export function toStatus(error: unknown): { code: number; message: string } {
  if (error instanceof AuthError) {
    return { code: error.kind === 'unauthenticated' ? GrpcCode.UNAUTHENTICATED : GrpcCode.PERMISSION_DENIED, message: error.message };
  }
  const err = DaqError.from(error);
  const children = err.children.map((c) => `\n  ${c.location === undefined ? '' : `${formatLocation(c.location)}: `}${c.message}`).join('');
  return { code: BY_CODE[err.code], message: `${err.message}${children}` };
}

/** The DaqError code of a gRPC status code (for clients). */
export function fromStatusCode(code: number): ErrorCode {
  const entry = (Object.entries(BY_CODE) as [ErrorCode, number][]).find(([, n]) => n === code);
  if (code === GrpcCode.UNAUTHENTICATED || code === GrpcCode.PERMISSION_DENIED) return 'failed_precondition';
  return entry?.[0] ?? 'internal';
}
