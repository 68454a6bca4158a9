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

/** The scaffolding every run that can park shares: it answers the `status` query and owns the run's review queue. */
export function trackRun<Status extends Tracked>(status: Status, query: QueryDefinition<Status>) {
  setHandler(query, () => status);
  return { status, review: createReviewQueue(status) };
}

/**
 * `trackRun` for a run that goes through named steps: it also moves the status (and the SyncState search attribute)
 * from step to step to its end.
 */
export function trackSteps<Outcome extends string, Status extends RunStatus<Outcome>>(
  status: Status,
  query: QueryDefinition<Status>,
) {
  const { review } = trackRun(status, query);

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
  typeof trackSteps<Outcome, Status>
>;
