import { kindOfStatus, type FailureKind } from '../../domain/failures';

/** Magento's refusals of an action on an order in its current state: the order itself says no, not our request. */
const refusals = [
  /does not allow an? (invoice|shipment|creditmemo) to be created/i,
  /can ?not be created when an order has a status of/i,
  /hold action is not available/i,
  /cannot remove the hold/i,
  /can(no|')t cancel/i,
  /most money available to refund is/i,
];

/**
 * Whose fault a Magento error is. A 404 "Request does not match any route" is our wrong base URL or store code;
 * a 404 for a document is data we asked for that is not there; a 400 in Magento's order-state vocabulary is Magento
 * refusing the action for the order as it stands.
 */
export function magentoFailureKind(status: number, body: unknown): FailureKind {
  const kind = kindOfStatus(status);
  if (kind !== 'bad_data') return kind;
  const message =
    typeof body === 'object' && body !== null ? String((body as { message?: unknown }).message ?? '') : '';
  if (status === 404 && /does not match any route/i.test(message)) return 'misconfigured';
  if (status === 400 && refusals.some((r) => r.test(message))) return 'business_refusal';
  return 'bad_data';
}
