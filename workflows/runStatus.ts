import { setHandler, type QueryDefinition } from '@temporalio/workflow';
import type { SyncStateValue } from '../domain/searchAttributes';
import type { Tracked } from '../messages/runs';
import { createReviewQueue, setSyncState } from './reviewQueue';

/** What a run's `status` query shows: where it is, when it got to each step, and how it ended. */
export interface RunStatus<Outcome extends string> extends Tracked {
  step: string;
  outcome?: Outcome;
  timestamps: Record<string, string>;
}

/** The result every run returns: how it ended, why (when it did not finish its work) and its last status. */
export interface RunEnd<Outcome extends string, Status> {
  outcome: Outcome;
  reason?: string;
  status: Status;
}

/**
 * The status scaffolding every run shares: answers the `status` query, owns the run's review queue, and moves the
 * status (and the SyncState search attribute) from step to step to its end.
 */
export function trackRun<Outcome extends string, Status extends RunStatus<Outcome>>(
  status: Status,
  query: QueryDefinition<Status>,
) {
  setHandler(query, () => status);
  const review = createReviewQueue(status);

  function reached(step: string): void {
    status.step = step;
    status.timestamps[step] = new Date().toISOString();
  }

  function end(outcome: Outcome, state: SyncStateValue, reason?: string): RunEnd<Outcome, Status> {
    reached(outcome);
    setSyncState(status, state);
    status.outcome = outcome;
    return { outcome, status, ...(reason ? { reason } : {}) };
  }

  return { status, review, reached, end };
}

export type TrackedRun<Outcome extends string, Status extends RunStatus<Outcome>> = ReturnType<
  typeof trackRun<Outcome, Status>
>;
