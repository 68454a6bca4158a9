import { ActivityFailure, ApplicationFailure, condition, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { SyncState, type SyncStateValue } from '../domain/searchAttributes';
import { retrySignal, skipSignal } from './messages';

/** An operator chose to skip a parked run: the run ends without finishing its work. */
export class SkippedByOperator extends Error {
  override name = 'SkippedByOperator';
}

export interface Tracked {
  syncState: SyncStateValue;
  reviewReason?: string;
}

/** Keeps the SyncState search attribute and the run's status in step. */
export function setSyncState(tracked: Tracked, state: SyncStateValue): void {
  tracked.syncState = state;
  upsertSearchAttributes([{ key: SyncState, value: state }]);
}

/**
 * The review queue (dead letters): a run that hits an error no retry can fix parks itself with SyncState=needs_review
 * and a reason an operator understands, and waits for `retry` or `skip`. It blocks nothing else.
 */
export function createReviewQueue(tracked: Tracked) {
  let action: 'retry' | 'skip' | undefined;
  let parked = false;
  setHandler(retrySignal, () => void (parked && (action = 'retry')));
  setHandler(skipSignal, () => void (parked && (action = 'skip')));

  async function park(reason: string): Promise<'retry' | 'skip'> {
    const previous = tracked.syncState;
    tracked.reviewReason = reason;
    upsertMemo({ reviewReason: reason });
    setSyncState(tracked, 'needs_review');
    parked = true;
    action = undefined;
    await condition(() => action !== undefined);
    parked = false;
    tracked.reviewReason = undefined;
    upsertMemo({ reviewReason: null });
    setSyncState(tracked, previous);
    return action!;
  }

  /** Runs a step; when it fails for good (validation, mapping, not found), parks until an operator retries or skips. */
  async function step<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        const reason = permanentFailureReason(err);
        if (reason === undefined) throw err;
        if ((await park(reason)) === 'skip') throw new SkippedByOperator(reason);
      }
    }
  }

  return { park, step };
}

/** The message of a failure that retrying cannot fix, or undefined for anything else. */
export function permanentFailureReason(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.nonRetryable) return cause.message;
  return undefined;
}

/** A failure no retry can fix: inside a review-queue step, the run parks with this message as its reason. */
export function permanentFailure(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'MappingError');
}
