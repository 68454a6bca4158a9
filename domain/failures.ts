/**
 * The failure policy (docs/failure-policy.md), as types. Whose fault a failure is decides what
 * happens next, and it is decided once, where the system's answer is read:
 *
 * - `transient`: the system could not answer now (timeouts, 408/425/429/5xx, network). Retried with backoff inside a
 *   time budget; when the budget runs out the run parks with the last error.
 * - `business_refusal`: the system understood and said no for a business reason in its own vocabulary (the warehouse
 *   has no stock, the address cannot be delivered to, Magento's "cannot invoice/ship" states). Only the refusals the
 *   process expects at that step move money back; anywhere else a refusal parks for a person.
 * - `misconfigured`: our set-up is wrong (a refused credential, a wrong base URL or route). Parks; touches no money.
 * - `bad_data`: the request or the data is wrong (a 400/422 that is not a refusal, a mapping or money error in our own
 *   code, an object the system no longer has). Parks; touches no money.
 */
export type FailureKind = 'transient' | 'business_refusal' | 'misconfigured' | 'bad_data';

/** The Temporal failure `type` each permanent kind travels under. */
export const failureTypes = {
  business_refusal: 'BusinessRefusal',
  misconfigured: 'Misconfigured',
  bad_data: 'BadData',
} as const satisfies Record<Exclude<FailureKind, 'transient'>, string>;

/**
 * Whether a permanent failure of this type is a business refusal (money may move back where the process expects one);
 * every other permanent failure parks. Before the policy had names, every permanent WMS answer at the fulfilment step
 * was treated as the warehouse refusing: histories holding `WmsValidationError` keep that meaning.
 */
export function isBusinessRefusalType(type: string | undefined): boolean {
  return type === failureTypes.business_refusal || type === 'WmsValidationError';
}

/** The kind for an HTTP status when the system's own vocabulary has nothing more specific to say. */
export function kindOfStatus(status: number | undefined): FailureKind {
  if (status === undefined || status === 408 || status === 425 || status === 429 || status >= 500) return 'transient';
  if (status === 401 || status === 403 || status === 405) return 'misconfigured';
  return 'bad_data';
}
