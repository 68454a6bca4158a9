import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/** The product's search attributes (docs/architecture.md); the dev server start registers them, a cluster needs them added (docs/beyond-one-machine.md). */
export const MagentoOrderId = defineSearchAttributeKey('MagentoOrderId', SearchAttributeType.KEYWORD);
export const StripeObjectId = defineSearchAttributeKey('StripeObjectId', SearchAttributeType.KEYWORD);
export const StripeEventType = defineSearchAttributeKey('StripeEventType', SearchAttributeType.KEYWORD);
export const SyncState = defineSearchAttributeKey('SyncState', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [MagentoOrderId, StripeObjectId, StripeEventType, SyncState] as const;

export const syncStates = [
  'running',
  'fraud_hold',
  'awaiting_shipment',
  'awaiting_delivery',
  'needs_review',
  'completed',
  'compensated',
  'failed',
] as const;
export type SyncStateValue = (typeof syncStates)[number];

/** `KEY=Keyword` pairs as the Temporal CLI's `--search-attribute` flag takes them. */
export function searchAttributeCliPairs(): string[] {
  return searchAttributeKeys.map((k) => `${k.name}=Keyword`);
}

/**
 * What an order's run carries from its start (signal-with-start by its first event), so the run need not write them:
 * the order, `SyncState=running`, and the PaymentIntent when the event is the PaymentIntent's own.
 */
export function orderStartSearchAttributes(
  incrementId: string,
  event: { type: string; objectId?: string },
): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: MagentoOrderId, value: incrementId },
    { key: SyncState, value: 'running' },
  ];
  if (event.type.startsWith('payment_intent.') && event.objectId)
    pairs.push({ key: StripeObjectId, value: event.objectId });
  return pairs;
}
