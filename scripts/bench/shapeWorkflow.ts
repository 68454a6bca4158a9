import { proxyActivities, sleep } from '@temporalio/workflow';

/** What the benchmark's baseline worker runs: nothing at all, through Temporal. */
export interface ShapeActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<ShapeActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * The bare-Temporal baseline of the order-to-cash measurement: the same number and order of activities and timers as
 * an order's run (read from a completed run's history), each doing nothing.
 */
export async function sameShape(steps: ReadonlyArray<'activity' | 'timer'>): Promise<number> {
  for (const step of steps) {
    if (step === 'activity') await noop();
    else await sleep(1);
  }
  return steps.length;
}
