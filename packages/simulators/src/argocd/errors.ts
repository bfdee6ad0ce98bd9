/**
 * Argo CD's REST errors: grpc-gateway v1 writes `{"error","code","message"}`
 * with the gRPC code and maps it to HTTP (`runtime.HTTPStatusFromCode`).
 */
import { ServerResponse } from 'node:http';
import { sendJson } from '../common/respond';

export const GrpcCode = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

const HTTP_BY_CODE: Record<number, number> = {
  0: 200,
  1: 408,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

export function httpStatusForGrpc(code: number): number {
  return HTTP_BY_CODE[code] ?? 500;
}

/** The inverse, for the `status` fault: the most natural gRPC code for an HTTP status. */
export function grpcCodeForHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.InvalidArgument;
    case 401:
      return GrpcCode.Unauthenticated;
    case 403:
      return GrpcCode.PermissionDenied;
    case 404:
      return GrpcCode.NotFound;
    case 409:
      return GrpcCode.AlreadyExists;
    case 429:
      return GrpcCode.ResourceExhausted;
    case 501:
      return GrpcCode.Unimplemented;
    case 503:
      return GrpcCode.Unavailable;
    case 504:
      return GrpcCode.DeadlineExceeded;
    default:
      return status >= 500 ? GrpcCode.Unknown : GrpcCode.InvalidArgument;
  }
}

export class ArgoError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export const permissionDenied = () =>
  new ArgoError(GrpcCode.PermissionDenied, 'permission denied');

export const appNotFound = (name: string) =>
  new ArgoError(
    GrpcCode.NotFound,
    `applications.argoproj.io "${name}" not found`,
  );

export function writeArgoError(
  res: ServerResponse,
  code: number,
  message: string,
  status = httpStatusForGrpc(code),
): void {
  sendJson(res, status, { error: message, code, message });
}
