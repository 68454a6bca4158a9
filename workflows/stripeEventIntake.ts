import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { StripeEventEnvelope } from '../domain/stripeEvents';
import { StripeEventType, StripeObjectId } from '../domain/searchAttributes';

export interface IntakeResult {
  eventId: string;
  type: string;
  workflowId: string;
}

/**
 * One run per accepted Stripe event, ID `stripe:<event id>`, so a redelivered event cannot start twice.
 * Hands the event to the long-running workflow of the entity it is about (routing lands with the intake issue).
 */
export async function stripeEventIntake(event: StripeEventEnvelope): Promise<IntakeResult> {
  const attributes: SearchAttributeUpdatePair[] = [{ key: StripeEventType, value: event.type }];
  if (event.objectId) attributes.push({ key: StripeObjectId, value: event.objectId });
  upsertSearchAttributes(attributes);
  return { eventId: event.id, type: event.type, workflowId: workflowInfo().workflowId };
}
