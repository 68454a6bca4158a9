import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { status as grpcStatus } from '@grpc/grpc-js';

const unavailableCodes: readonly number[] = [
  grpcStatus.UNAVAILABLE,
  grpcStatus.DEADLINE_EXCEEDED,
  grpcStatus.CANCELLED,
];

/** True when the error means Temporal could not be reached (so the caller answers 503 and the sender retries). */
export function isTemporalUnavailable(err: unknown): boolean {
  if (isGrpcServiceError(err)) return unavailableCodes.includes(err.code);
  if (err instanceof ServiceError) return err.cause !== undefined && isTemporalUnavailable(err.cause);
  const message = err instanceof Error ? err.message : String(err);
  return /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Failed to connect/i.test(message);
}
