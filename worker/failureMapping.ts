import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { ExternalSystemError } from '../activities/http/errors';
import { MappingError } from '../domain/fulfilment';
import { MoneyError } from '../domain/money';

/**
 * Turns what activities throw into Temporal failures in one place: retryable external errors keep retrying
 * (after Retry-After when the system sent one); validation and mapping errors fail fast, non-retryable.
 */
export class FailureMappingInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw toFailure(err);
    }
  }
}

export function toFailure(err: unknown): unknown {
  if (err instanceof ExternalSystemError) {
    return ApplicationFailure.create({
      type: err.failureType,
      message: err.message,
      nonRetryable: !err.retryable,
      nextRetryDelay: err.retryAfterMs,
      details: [{ system: err.system, status: err.status ?? null }],
    });
  }
  if (err instanceof MappingError || err instanceof MoneyError) {
    return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
  }
  return err;
}
