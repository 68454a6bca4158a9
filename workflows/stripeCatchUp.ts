import { setHandler, workflowInfo } from '@temporalio/workflow';
import { defineStatusQuery } from '../messages/runs';
import { catchUpIntake } from './systems';

export interface CatchUpProgress {
  sinceEpochSec: number;
  pages: number;
  seen: number;
  started: number;
  duplicates: number;
  ignored: number;
  done: boolean;
}

export const catchUpStatusQuery = defineStatusQuery<CatchUpProgress>();

const intake = catchUpIntake;

const stripeEventRetentionSec = 30 * 24 * 3600;
/** Scheduled runs look back this far, so consecutive runs overlap and nothing falls between them. */
export const scheduledLookBackSec = 3600;

/**
 * Catch-up from Stripe: pages through `GET /v1/events` since a time (at most Stripe's 30 days) and starts the intake
 * run of each event under its event-ID key, so a webhook outage loses nothing and known events change nothing.
 * Started by `POST /admin/stripe/replay` and by the `stripe-catch-up` schedule.
 */
export async function stripeCatchUp(input: { sinceEpochSec?: number } = {}): Promise<CatchUpProgress> {
  const nowSec = Math.floor(Date.now() / 1000);
  const oldest = nowSec - stripeEventRetentionSec;
  const since = Math.max(
    oldest,
    input.sinceEpochSec ?? Math.floor(workflowInfo().startTime.getTime() / 1000) - scheduledLookBackSec,
  );
  const progress: CatchUpProgress = {
    sinceEpochSec: since,
    pages: 0,
    seen: 0,
    started: 0,
    duplicates: 0,
    ignored: 0,
    done: false,
  };
  setHandler(catchUpStatusQuery, () => progress);

  let startingAfter: string | undefined;
  for (;;) {
    const page = await intake.replayStripeEventsPage({ sinceEpochSec: since, startingAfter });
    progress.pages += 1;
    progress.seen += page.seen;
    progress.started += page.started;
    progress.duplicates += page.duplicates;
    progress.ignored += page.ignored;
    if (!page.hasMore || !page.lastEventId) break;
    startingAfter = page.lastEventId;
  }
  progress.done = true;
  return progress;
}
