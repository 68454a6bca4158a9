import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { ExternalSystemError } from '../integrations/http/errors';
import { failureTypes } from '../domain/failures';
import { MappingError } from '../domain/fulfilment';
import { MoneyError } from '../domain/money';
import { InvalidRecipient, MailRejected } from '../integrations/mail/mailer';
import { ReportStoreError } from '../integrations/storage/payoutReportStore';

/**
 * Turns what activities throw into Temporal failures in one place: transient external errors keep retrying (after
 * Retry-After when the system sent one); the rest fail fast as `BusinessRefusal`, `Misconfigured` or `BadData`, with
 * the system and status in the details, and the workflow decides by that type (domain/failures.ts).
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
      details: [{ system: err.system, status: err.status ?? null, kind: err.kind }],
    });
  }
  if (err instanceof MailRejected) {
    return ApplicationFailure.create({
      type: failureTypes[err.kind],
      message: err.message,
      nonRetryable: true,
      details: [{ system: 'Mail', status: err.responseCode, kind: err.kind }],
    });
  }
  if (err instanceof InvalidRecipient) {
    return ApplicationFailure.create({
      type: failureTypes[err.kind],
      message: err.message,
      nonRetryable: true,
      details: [{ system: 'Mail', status: null, kind: err.kind }],
    });
  }
  if (err instanceof MappingError || err instanceof MoneyError || err instanceof ReportStoreError) {
    return ApplicationFailure.create({
      type: failureTypes.bad_data,
      message: err.message,
      nonRetryable: true,
      details: [{ error: err.name }],
    });
  }
  return err;
}
