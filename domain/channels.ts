import type { OtherChannels } from './settings';

/** What a PaymentIntent says about where it was made. */
export interface PaymentOrigin {
  metadata: Record<string, string>;
  /** The Connect application that created it, when one did. */
  application?: string;
}

/**
 * Why a payment belongs to another of the merchant's sales channels (a metadata value or a Connect application the
 * merchant listed), or undefined when nothing says so. Such payments are not ours: counted, never parked.
 */
export function otherChannelOf(origin: PaymentOrigin, rule: OtherChannels | undefined): string | undefined {
  if (!rule) return undefined;
  for (const [key, values] of Object.entries(rule.metadata)) {
    const value = origin.metadata[key];
    if (value !== undefined && values.includes(value)) return `metadata.${key} is "${value}"`;
  }
  if (origin.application && rule.applications.includes(origin.application))
    return `made by Connect application ${origin.application}`;
  return undefined;
}
