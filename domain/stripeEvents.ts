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

/**
 * What a verified event must keep to within to become a workflow payload. The SDK's JSON converter gives up past a few
 * thousand levels of nesting (V8's JSON.stringify runs out of stack), Temporal refuses IDs and search attribute values
 * past its limits, and an event of a quarter of a megabyte would be copied into every history it is handed to. Real
 * Stripe events are a dozen levels deep and a few kilobytes.
 */
export const envelopeBounds = { maxDepth: 64, maxJsonChars: 256 * 1024, maxIdChars: 255 } as const;

/** Why this event cannot become the intake's input, or `undefined`; never throws, whatever the event holds. */
export function envelopeProblem(envelope: StripeEventEnvelope): string | undefined {
  if (nestedDeeperThan([envelope.object, envelope.previousAttributes], envelopeBounds.maxDepth))
    return `its data is nested more than ${envelopeBounds.maxDepth} levels deep`;
  const chars = JSON.stringify(envelope).length;
  if (chars > envelopeBounds.maxJsonChars)
    return `its data is ${chars} characters of JSON, over the ${envelopeBounds.maxJsonChars} an intake run takes`;
  if (envelope.objectId !== undefined && envelope.objectId.length > envelopeBounds.maxIdChars)
    return `its object's id is longer than ${envelopeBounds.maxIdChars} characters`;
  return undefined;
}

/** Iterative, so that the check itself cannot run out of stack on the input it is there to refuse. */
function nestedDeeperThan(roots: unknown[], maxDepth: number): boolean {
  const pending: Array<[unknown, number]> = roots.map((root) => [root, 1]);
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(value))
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return false;
}

/** What is kept of a verified event that cannot become the intake's input: its identity and why, never its data. */
export interface UnusableStripeEvent {
  readonly id: string;
  readonly type: string;
  readonly created?: number;
  readonly livemode?: boolean;
  readonly objectId?: string;
  readonly reason: string;
}

/**
 * How the receiver and the catch-up start the run of an event that cannot become the intake's input: the same
 * `stripe:<event id>` and policy as the intake, so Stripe's redeliveries are still refused, parked for a person from
 * its start (SyncState `needs_review`, the reason in the `reviewReason` memo) even before a worker has seen it.
 */
export function unusableEventStart(envelope: StripeEventEnvelope, problem: string) {
  const objectId =
    envelope.objectId !== undefined && envelope.objectId.length <= envelopeBounds.maxIdChars
      ? envelope.objectId
      : undefined;
  const reason =
    `Stripe event ${envelope.id} (${envelope.type}) was verified but cannot be processed: ${problem}. ` +
    'Look at it in the Stripe Dashboard, do what it needed by hand, then skip this run.';
  const input: UnusableStripeEvent = {
    id: envelope.id,
    type: envelope.type,
    ...(typeof envelope.created === 'number' ? { created: envelope.created } : {}),
    ...(typeof envelope.livemode === 'boolean' ? { livemode: envelope.livemode } : {}),
    ...(objectId ? { objectId } : {}),
    reason,
  };
  const attributes = intakeSearchAttributes({ type: envelope.type, objectId }).map((pair) =>
    pair.key === SyncState ? { key: SyncState, value: 'needs_review' } : pair,
  ) as SearchAttributePair[];
  return {
    workflowId: intakeWorkflowId(envelope.id),
    args: [input] as [UnusableStripeEvent],
    ...intakeStartPolicy,
    typedSearchAttributes: attributes,
    memo: { reviewReason: reason },
  };
}
