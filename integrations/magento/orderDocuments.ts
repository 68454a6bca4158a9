import type { BookedDocument } from '../../domain/orderLedger';
import { toMinor } from '../../domain/money';
import type { MagentoClient } from './client';

/** One Magento order's documents, money in minor units, with the Stripe objects their comments name. */
export interface MagentoOrderDocuments {
  entityId: number;
  incrementId: string;
  state: string;
  status: string;
  currency: string;
  grandTotalMinor: number;
  invoices: Array<{
    id: number;
    incrementId?: string;
    grandTotalMinor: number;
    chargeId?: string;
    paymentIntentId?: string;
  }>;
  shipments: Array<{ id: number; tracks: Array<{ number?: string; carrier?: string }> }>;
  /** `refundId`: the Stripe refund the memo records (its comment, or the refund made from a staff memo); `disputeId` likewise. */
  creditMemos: Array<{
    id: number;
    incrementId?: string;
    grandTotalMinor: number;
    refundId?: string;
    disputeId?: string;
    /** The PaymentIntent whose authorisation this memo takes down to what was captured (no money moved). */
    uncapturedOf?: string;
    createdAt?: string;
  }>;
}

const firstMatch = (texts: Array<string | undefined>, pattern: RegExp): string | undefined => {
  for (const text of texts) {
    const found = text && pattern.exec(text)?.[0];
    if (found) return found;
  }
  return undefined;
};

const chargePattern = /\b(?:ch|py)_[A-Za-z0-9]+/;
const paymentIntentPattern = /\bpi_[A-Za-z0-9]+/;
const refundPattern = /\b(?:re|pyr)_[A-Za-z0-9]+/;
const disputePattern = /\b(?:dp|du)_[A-Za-z0-9]+/;
const uncapturedPattern = /\[o2c:refund:uncaptured:(pi_[A-Za-z0-9]+)\]/;

/** Read-only: the order by increment id with its invoices, shipments and credit memos; undefined when Magento has no such order. */
export async function readMagentoDocuments(
  magento: MagentoClient,
  incrementId: string,
): Promise<MagentoOrderDocuments | undefined> {
  const order = await magento.findOrderByIncrementId(incrementId);
  if (!order) return undefined;
  const currency = order.order_currency_code.toUpperCase();
  const minor = (amount: number | undefined) => toMinor(amount ?? 0, currency);
  const [invoices, shipments, memos] = await Promise.all([
    magento.listInvoices(order.entity_id),
    magento.listShipments(order.entity_id),
    magento.listCreditMemos(order.entity_id),
  ]);
  return {
    entityId: order.entity_id,
    incrementId: order.increment_id,
    state: order.state,
    status: order.status,
    currency,
    grandTotalMinor: minor(order.grand_total),
    invoices: invoices.items.map((inv) => {
      const texts = [inv.transaction_id, ...(inv.comments ?? []).map((c) => c.comment)];
      const chargeId = firstMatch(texts, chargePattern);
      const paymentIntentId = firstMatch(texts, paymentIntentPattern);
      return {
        id: inv.entity_id,
        ...(inv.increment_id ? { incrementId: inv.increment_id } : {}),
        grandTotalMinor: minor(inv.grand_total),
        ...(chargeId ? { chargeId } : {}),
        ...(paymentIntentId ? { paymentIntentId } : {}),
      };
    }),
    shipments: shipments.items.map((s) => ({
      id: s.entity_id,
      tracks: (s.tracks ?? []).map((t) => ({ number: t.track_number, carrier: t.title ?? t.carrier_code })),
    })),
    creditMemos: memos.items.map((memo) => {
      const texts = (memo.comments ?? []).map((c) => c.comment);
      const uncapturedOf = texts.map((t) => t && uncapturedPattern.exec(t)?.[1]).find(Boolean);
      // The official module's online memo names its refund in its transaction id.
      const refundId = uncapturedOf
        ? undefined
        : firstMatch([memo.transaction_id ?? undefined, ...texts], refundPattern);
      const disputeId = refundId || uncapturedOf ? undefined : firstMatch(texts, disputePattern);
      return {
        id: memo.entity_id,
        ...(memo.increment_id ? { incrementId: memo.increment_id } : {}),
        grandTotalMinor: minor(memo.grand_total),
        ...(refundId ? { refundId } : {}),
        ...(disputeId ? { disputeId } : {}),
        ...(uncapturedOf ? { uncapturedOf } : {}),
        ...(memo.created_at ? { createdAt: memo.created_at } : {}),
      };
    }),
  };
}

/**
 * Magento's side of the order's money: invoices in, credit memos out. A memo for the part of an authorisation never
 * captured moved no money: it is netted into the invoice of that payment, which then stands for what was captured.
 */
export function magentoBooks(docs: MagentoOrderDocuments): BookedDocument[] {
  const ref = (id: string | undefined) => (id ? { stripeRef: id } : {});
  const uncaptured = docs.creditMemos.filter((memo) => memo.uncapturedOf);
  return [
    ...docs.invoices.map((inv): BookedDocument => {
      const released = uncaptured.filter((memo) => inv.paymentIntentId && memo.uncapturedOf === inv.paymentIntentId);
      const releasedMinor = released.reduce((sum, memo) => sum + memo.grandTotalMinor, 0);
      return {
        label: `Magento invoice ${inv.id}${released.map((m) => ` less credit memo ${m.id} (not captured)`).join('')}`,
        direction: 'in',
        amountMinor: inv.grandTotalMinor - releasedMinor,
        currency: docs.currency,
        ...ref(inv.chargeId),
      };
    }),
    ...docs.creditMemos
      .filter((memo) => !memo.uncapturedOf || !docs.invoices.some((inv) => inv.paymentIntentId === memo.uncapturedOf))
      .map((memo): BookedDocument => ({
        label: `credit memo ${memo.id}`,
        direction: 'out',
        amountMinor: memo.grandTotalMinor,
        currency: docs.currency,
        ...ref(memo.refundId ?? memo.disputeId),
      })),
  ];
}
