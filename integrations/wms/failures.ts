import { kindOfStatus, type FailureKind } from '../../domain/failures';

/** ShipBob's words for goods it cannot fulfil or an address it cannot deliver to. */
const refusal =
  /out of stock|no inventory|insufficient inventory|invalid address|undeliverable|address (is )?(invalid|not valid|could not be (verified|validated))/i;

/** The words of a 2026-01 error body: `{field: [messages]}` (400/422 of orders) or a problem's `title`/`detail` (inventory). */
function messagesOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  return Object.values(body as Record<string, unknown>).flatMap((v) =>
    Array.isArray(v) ? v.filter((m) => typeof m === 'string') : typeof v === 'string' ? [v] : [],
  );
}

/** Whose fault a ShipBob error is: a 422 naming stock or the address is the warehouse refusing the goods. */
export function wmsFailureKind(status: number, body: unknown): FailureKind {
  const kind = kindOfStatus(status);
  if (kind !== 'bad_data') return kind;
  return status === 422 && messagesOf(body).some((m) => refusal.test(m)) ? 'business_refusal' : 'bad_data';
}
