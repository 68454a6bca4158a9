import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';

/** What the benchmark's baseline worker runs: nothing at all, through Temporal. */
export interface ShapeActivities {
  noop(): Promise<void>;
}

const asActivity = proxyActivities<ShapeActivities>({ startToCloseTimeout: '30 seconds' });
const asLocalActivity = proxyLocalActivities<ShapeActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * The bare-Temporal baseline of the order-to-cash measurement: the same number and order of steps and timers as an
 * order's run (read from a completed run's history), each doing nothing; the steps as activities (the issue's
 * baseline) or, with `local`, as local activities (as the order run calls them).
 */
export async function sameShape(
  steps: ReadonlyArray<'activity' | 'timer'>,
  options?: { local?: boolean },
): Promise<number> {
  const { noop } = options?.local ? asLocalActivity : asActivity;
  for (const step of steps) {
    if (step === 'activity') await noop();
    else await sleep(1);
  }
  return steps.length;
}
