import type { Client } from '@temporalio/client';
import type { EntityWorkflowType } from '../../domain/eventRouting';
import type { StripeEventEnvelope } from '../../domain/stripeEvents';

/** Hands accepted events to the long-running workflow of their entity. */
export function createIntakeActivities(temporal: Client, taskQueue: string) {
  return {
    /**
     * Signal-with-start: starts the entity's workflow if none is running, and delivers the event as a `stripeEvent`
     * signal. Running it twice delivers the event twice, which the workflows ignore by event id.
     */
    async deliverStripeEvent(input: { workflowType: EntityWorkflowType; workflowId: string; businessKey: string; event: StripeEventEnvelope }): Promise<{ runId: string }> {
      const handle = await temporal.workflow.signalWithStart(input.workflowType, {
        workflowId: input.workflowId,
        taskQueue,
        args: [{ incrementId: input.businessKey }],
        signal: 'stripeEvent',
        signalArgs: [input.event],
      });
      return { runId: handle.signaledRunId };
    },
  };
}

export type IntakeActivities = ReturnType<typeof createIntakeActivities>;
