import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  isCancellation,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { isBusinessRefusalType } from '../domain/failures';
import { SyncState, type SyncStateValue } from '../domain/searchAttributes';
import { retryUpdate, skipUpdate, type OperatorNote, type ParkedAction, type Tracked } from '../messages/runs';

/** An operator chose to skip a parked run: the run ends without finishing its work. */
export class SkippedByOperator extends Error {
  override name = 'SkippedByOperator';
}

/** A system refused for a business reason at a step where the process expects it (the warehouse has no stock). */
export class BusinessRefused extends Error {
  override name = 'BusinessRefused';
}

/** Keeps the SyncState search attribute and the run's status in step. */
export function setSyncState(tracked: Tracked, state: SyncStateValue): void {
  tracked.syncState = state;
  upsertSearchAttributes([{ key: SyncState, value: state }]);
}

/**
 * What the failure policy (domain/failures.ts) makes of an error that reached workflow code: a business refusal, or
 * a reason to park. Cancellation and an operator's skip are not failures and pass through (undefined).
 */
export function classifyFailure(err: unknown): { refusal: boolean; reason: string } | undefined {
  if (isCancellation(err) || err instanceof SkippedByOperator || err instanceof BusinessRefused) return undefined;
  const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    const last = cause.cause?.message;
    return { refusal: false, reason: `gave up retrying (${cause.message})${last ? `; last error: ${last}` : ''}` };
  }
  if (cause instanceof ApplicationFailure) {
    // Our own code's errors raised in an activity (failureMapping.ts) carry their name, as they do when raised here.
    const { error } = (cause.details?.[0] ?? {}) as { error?: unknown };
    const reason = typeof error === 'string' ? `${error}: ${cause.message}` : cause.message;
    return { refusal: cause.nonRetryable === true && isBusinessRefusalType(cause.type ?? undefined), reason };
  }
  // Errors thrown by our own code in the workflow (a mapping or money error on unusual data) are ours to fix: park.
  if (cause instanceof Error) return { refusal: false, reason: `${cause.name}: ${cause.message}` };
  return { refusal: false, reason: String(cause) };
}

export interface StepOptions {
  /** A business refusal here is expected and ends in compensation: throw BusinessRefused instead of parking. */
  refusalsReverse?: boolean;
}

/**
 * The review queue (dead letters): a run that hits an error no retry can fix parks itself with SyncState=needs_review
 * and a reason an operator understands, and waits for the operator's `retry` or `skip` (Updates that answer at once). It blocks nothing else.
 */
export function createReviewQueue(tracked: Tracked) {
  let action: ParkedAction | undefined;
  let parked = false;
  const notParked = (_note: OperatorNote): void => {
    if (!parked || action !== undefined) throw new Error(`not parked (${tracked.syncState})`);
  };
  const choose =
    (chosen: ParkedAction) =>
    (_note: OperatorNote): ParkedAction =>
      (action = chosen);
  setHandler(retryUpdate, choose('retry'), { validator: notParked });
  setHandler(skipUpdate, choose('skip'), { validator: notParked });

  /**
   * Parks until an operator retries or skips, or (with `clears`) until the cause goes away by itself: a warehouse hold
   * lifted, say. Then the answer is `cleared`, and no operator is needed.
   */
  async function park(reason: string): Promise<ParkedAction>;
  async function park(reason: string, clears: () => boolean): Promise<ParkedAction | 'cleared'>;
  async function park(reason: string, clears?: () => boolean): Promise<ParkedAction | 'cleared'> {
    const previous = tracked.syncState;
    tracked.reviewReason = reason;
    upsertMemo({ reviewReason: reason });
    setSyncState(tracked, 'needs_review');
    parked = true;
    action = undefined;
    await condition(() => action !== undefined || clears?.() === true);
    parked = false;
    tracked.reviewReason = undefined;
    upsertMemo({ reviewReason: null });
    setSyncState(tracked, previous);
    return action ?? 'cleared';
  }

  /**
   * Runs one step of the process. Every activity call and every piece of domain code goes through here: a failure
   * that is ours (or a refusal nobody expects here) parks until an operator retries (the step runs again, with fresh
   * reads) or skips (SkippedByOperator ends the run). Only an expected business refusal escapes, as BusinessRefused.
   */
  async function step<T>(fn: () => Promise<T> | T, options: StepOptions = {}): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        const failure = classifyFailure(err);
        if (failure === undefined) throw err;
        if (failure.refusal && options.refusalsReverse) throw new BusinessRefused(failure.reason);
        if ((await park(failure.reason)) === 'skip') throw new SkippedByOperator(failure.reason);
      }
    }
  }

  return { park, step };
}

/** A failure no retry can fix, raised by workflow code itself: the run parks with this message as its reason. */
export function permanentFailure(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'BadData');
}
