import { isGrpcServiceError } from '@temporalio/client';
import { status as grpcStatus } from '@grpc/grpc-js';

/** True when the error means Temporal could not be reached (so the caller should answer 503 and let the sender retry). */
export function isTemporalUnavailable(err: unknown): boolean {
  if (isGrpcServiceError(err)) {
    return [grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED, grpcStatus.CANCELLED].includes(err.code);
  }
  const message = err instanceof Error ? err.message : String(err);
  return /UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Failed to connect|connection/i.test(message);
}
