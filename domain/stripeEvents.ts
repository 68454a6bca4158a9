import type { SearchAttributePair } from '@temporalio/common';
import { StripeEventType, StripeObjectId, SyncState } from './searchAttributes';

/** The part of a Stripe event the system keeps: identity, type, time and the object it is about. */
export interface StripeEventEnvelope {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly livemode: boolean;
  readonly objectId: string | undefined;
  readonly object: Record<string, unknown>;
  readonly previousAttributes?: Record<string, unknown>;
}

/**
 * How an intake run is started: Temporal refuses a second start of the same event, except after a run that failed
 * (none should: intake parks instead), so such an event can still be taken again when Stripe redelivers it.
 */
export const intakeStartPolicy = {
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  workflowIdConflictPolicy: 'FAIL',
} as const;

/**
 * The search attributes an intake run carries from its start (so the run itself need not write them): the event's type,
 * the object it is about, and `SyncState=running`.
 */
export function intakeSearchAttributes(
  envelope: Pick<StripeEventEnvelope, 'type' | 'objectId'>,
): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [{ key: StripeEventType, value: envelope.type }];
  if (envelope.objectId) pairs.push({ key: StripeObjectId, value: envelope.objectId });
  pairs.push({ key: SyncState, value: 'running' });
  return pairs;
}

/** How the receiver, the catch-up and the benchmark start the intake run of an event: one ID per event, the policy, the search attributes. */
export function intakeStart(event: StripeEventLike) {
  const envelope = toEnvelope(event);
  return {
    workflowId: intakeWorkflowId(event.id),
    args: [envelope] as [StripeEventEnvelope],
    ...intakeStartPolicy,
    typedSearchAttributes: intakeSearchAttributes(envelope),
  };
}

/** Workflow ID of the intake run for one Stripe event: Temporal refuses a second start with the same ID. */
export function intakeWorkflowId(eventId: string): string {
  return `stripe:${eventId}`;
}

interface StripeEventLike {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
  data: { object: object; previous_attributes?: object };
}

export function toEnvelope(event: StripeEventLike): StripeEventEnvelope {
  const object = event.data.object as Record<string, unknown>;
  return {
    id: event.id,
    type: event.type,
    created: event.created,
    livemode: event.livemode,
    objectId: typeof object.id === 'string' ? object.id : undefined,
    object,
    previousAttributes: event.data.previous_attributes as Record<string, unknown> | undefined,
  };
}
