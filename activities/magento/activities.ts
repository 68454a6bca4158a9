import {
  commentMarker,
  hasComment,
  isFullyInvoiced,
  isFullyShipped,
  type MagentoCreditMemo,
} from '../../domain/magento';
import { creditMemoPlanFor, type CreditMemoPlan } from '../../domain/creditMemo';
import { creditMemoOrigin } from '../../domain/creditMemoSync';
import { MappingError } from '../../domain/fulfilment';
import { formatMoney, fromMinor, toMinor } from '../../domain/money';
import { orderSnapshotOf, type OrderSnapshot } from '../../domain/orderSnapshot';
import type { MagentoClient, TrackInput } from '../../integrations/magento/client';
import { createMagentoSubscriptionActivities } from './subscriptions';

export interface CustomerHistory {
  /** Orders by this e-mail before this one, ever. */
  previousOrderCount: number;
  /** Orders by this e-mail created since `since`, this one included. */
  recentOrderCount: number;
}

export type InvoiceResult = { invoiceId: number; created: boolean; invoicedElsewhere: boolean };

export interface RefundMemoInput {
  entityId: number;
  refundId: string;
  amountMinor: number;
  currency: string;
  /** Set when the refund was made from a credit memo staff created in Magento: that memo is the one. */
  magentoCreditMemoId?: string;
  /** Why, for the memo's comment (Stripe's refund reason). */
  reason?: string;
  returnToStock: boolean;
  /** A lost dispute, not a refund: the memo says so (`refundId` is then the dispute id). */
  chargeback?: boolean;
  /**
   * The part of the authorisation Stripe never captured (released): the memo says so (`refundId` is then
   * `uncaptured:<pi_…>`). No money moved; the memo brings Magento's paid total down to what was captured.
   */
  uncaptured?: boolean;
  /** The charge's other refunds: a memo one of them names (or made online under its id) is not this refund's. */
  otherRefunds?: Array<{ refundId: string; magentoCreditMemoId?: string }>;
}

export interface RefundMemoResult {
  creditMemoId: number;
  created: boolean;
  grandTotalMinor: number;
  /** `staff_memo`/`module_memo`: the memo was made in Magento (by staff, or online by the Stripe module), not by us. */
  kind?: CreditMemoPlan['kind'] | 'staff_memo' | 'module_memo';
}

/** The marker a refund's credit memo carries in its comment, so a redelivery or a re-run finds it. */
export const refundMemoKey = (refundId: string): string => `refund:${refundId}`;

function memoOfRefund(
  memos: MagentoCreditMemo[],
  refundId: string,
  magentoCreditMemoId?: string,
): MagentoCreditMemo | undefined {
  const marker = commentMarker(refundMemoKey(refundId));
  return memos.find(
    (m) =>
      String(m.entity_id) === magentoCreditMemoId ||
      (m.comments ?? []).some((c) => c.comment?.includes(marker)) ||
      (m.transaction_id !== undefined && m.transaction_id !== null && m.transaction_id.startsWith(refundId)),
  );
}

/**
 * A memo made in Magento for exactly the refund's amount that nothing records yet: no marker of ours, not named by
 * another refund of the charge (its `magento_creditmemo_id`), not made online under another refund's id.
 */
function unclaimedMemoFor(memos: MagentoCreditMemo[], input: RefundMemoInput): MagentoCreditMemo | undefined {
  const others = input.otherRefunds ?? [];
  return memos.find(
    (m) =>
      creditMemoOrigin(m) !== 'ours' &&
      toMinor(m.grand_total ?? 0, input.currency) === input.amountMinor &&
      !others.some(
        (o) => o.magentoCreditMemoId === String(m.entity_id) || (m.transaction_id ?? '').startsWith(o.refundId),
      ),
  );
}

/** Magento activities. Each reads the order before it writes, so retries and duplicate events change nothing twice. */
export function createMagentoActivities(magento: MagentoClient) {
  async function withComment(
    entityId: number,
    key: string,
    comment: string,
    notify: boolean,
    status?: string,
  ): Promise<void> {
    const order = await magento.getOrder(entityId);
    if (hasComment(order, key)) return;
    await magento.addComment(entityId, {
      comment: `${comment} ${commentMarker(key)}`,
      status,
      isCustomerNotified: notify,
    });
  }

  /**
   * The credit memo recording a Stripe refund: the one carrying its marker, the staff memo the refund came from, or
   * the memo the official Stripe module made online for it (its `transaction_id` is the refund's id).
   */
  async function refundMemoOf(
    entityId: number,
    refundId: string,
    magentoCreditMemoId?: string,
  ): Promise<MagentoCreditMemo | undefined> {
    const memos = await magento.listCreditMemos(entityId);
    return memoOfRefund(memos.items, refundId, magentoCreditMemoId);
  }

  return {
    ...createMagentoSubscriptionActivities(magento),

    /** Read-only: the order by increment id as a compact snapshot (money in minor units), or undefined when Magento has none. */
    async loadOrderSnapshot(incrementId: string): Promise<OrderSnapshot | undefined> {
      const order = await magento.findOrderByIncrementId(incrementId);
      return order && orderSnapshotOf(order);
    },

    /** Read-only: the customer's order history, for the fraud gate's first-order and velocity signals. */
    async magentoCustomerHistory(email: string, incrementId: string, since: string): Promise<CustomerHistory> {
      const byEmail = { field: 'customer_email', value: email };
      const recent = await magento.searchOrders(
        [[byEmail], [{ field: 'created_at', value: since, conditionType: 'gteq' }]],
        { pageSize: 1 },
      );
      const others = await magento.searchOrders(
        [[byEmail], [{ field: 'increment_id', value: incrementId, conditionType: 'neq' }]],
        { pageSize: 1 },
      );
      return { previousOrderCount: others.total_count, recentOrderCount: Math.max(1, recent.total_count) };
    },

    /** Adds the comment unless one carrying the same key is already on the order. */
    async addMagentoComment(input: {
      entityId: number;
      key: string;
      comment: string;
      notifyCustomer?: boolean;
      status?: string;
    }): Promise<void> {
      await withComment(input.entityId, input.key, input.comment, input.notifyCustomer ?? false, input.status);
    },

    /** Holds the order unless it is already on hold; the comment (with the reasons) is written once. */
    async holdMagentoOrder(input: { entityId: number; key: string; comment: string }): Promise<void> {
      const order = await magento.getOrder(input.entityId);
      if (order.state !== 'holded') await magento.hold(input.entityId);
      await withComment(input.entityId, input.key, input.comment, false);
    },

    /** Releases the hold unless the order is no longer on hold. */
    async unholdMagentoOrder(input: { entityId: number; key: string; comment: string }): Promise<void> {
      const order = await magento.getOrder(input.entityId);
      if (order.state === 'holded') await magento.unhold(input.entityId);
      await withComment(input.entityId, input.key, input.comment, false);
    },

    /**
     * Offline invoice for a payment captured in Stripe, or for a renewal's Stripe invoice paid without a charge (from
     * the customer's credit balance, or outside Stripe). Looks for an invoice carrying the charge (or Stripe invoice)
     * id, or an order already fully invoiced (a retry whose first try succeeded, or the official Stripe module), before
     * creating one.
     */
    async invoiceMagentoOrder(input: {
      entityId: number;
      chargeId?: string;
      paymentIntentId?: string;
      /** A renewal's Stripe invoice. */
      invoiceId?: string;
      notifyCustomer: boolean;
    }): Promise<InvoiceResult> {
      const paidBy = input.chargeId ?? input.invoiceId;
      if (!paidBy) throw new MappingError(`Magento order ${input.entityId}: no Stripe charge or invoice paid it`);
      const invoices = await magento.listInvoices(input.entityId);
      const ours = invoices.items.find(
        (inv) => inv.transaction_id === paidBy || (inv.comments ?? []).some((c) => c.comment?.includes(paidBy)),
      );
      if (ours) return { invoiceId: ours.entity_id, created: false, invoicedElsewhere: false };
      const order = await magento.getOrder(input.entityId);
      if (isFullyInvoiced(order) && invoices.items[0])
        return { invoiceId: invoices.items[0].entity_id, created: false, invoicedElsewhere: true };
      const ofInvoice = input.invoiceId ? `, Stripe invoice ${input.invoiceId}` : '';
      const paid = input.chargeId
        ? `Paid in Stripe: charge ${input.chargeId}, PaymentIntent ${input.paymentIntentId}${ofInvoice}.`
        : `Paid by Stripe invoice ${input.invoiceId} without a card payment (the customer's credit balance, or paid outside Stripe).`;
      const invoiceId = await magento.invoice(
        input.entityId,
        `${paid} ${commentMarker(`invoice:${paidBy}`)}`,
        input.notifyCustomer,
      );
      return { invoiceId: Number(invoiceId), created: true, invoicedElsewhere: false };
    },

    /** Ships with tracking unless a shipment with this tracking number exists or everything has shipped. */
    async shipMagentoOrder(input: {
      entityId: number;
      track: TrackInput;
      notifyCustomer: boolean;
    }): Promise<{ shipmentId: number; created: boolean }> {
      const shipments = await magento.listShipments(input.entityId);
      const existing = shipments.items.find((s) =>
        (s.tracks ?? []).some((t) => t.track_number === input.track.track_number),
      );
      if (existing) return { shipmentId: existing.entity_id, created: false };
      const order = await magento.getOrder(input.entityId);
      if (isFullyShipped(order) && shipments.items[0])
        return { shipmentId: shipments.items[0].entity_id, created: false };
      const shipmentId = await magento.ship(
        input.entityId,
        [input.track],
        `Shipped: ${input.track.title} ${input.track.track_number}`,
        input.notifyCustomer,
      );
      return { shipmentId: Number(shipmentId), created: true };
    },

    /**
     * Undo for an order that was not invoiced: releases a hold and cancels. Nothing happens to an order already canceled;
     * an invoiced order cannot be canceled and is left to the credit memo.
     */
    async cancelMagentoOrder(input: {
      entityId: number;
      key: string;
      comment: string;
      notifyCustomer: boolean;
    }): Promise<{ canceled: boolean; state: string }> {
      let order = await magento.getOrder(input.entityId);
      if (order.state === 'holded') {
        await magento.unhold(input.entityId);
        order = await magento.getOrder(input.entityId);
      }
      if (order.state === 'canceled') return { canceled: true, state: order.state };
      if (
        (order.total_invoiced ?? 0) > 0 ||
        !['new', 'pending_payment', 'processing', 'payment_review'].includes(order.state)
      ) {
        return { canceled: false, state: order.state };
      }
      await magento.cancel(input.entityId);
      await withComment(input.entityId, input.key, input.comment, input.notifyCustomer);
      return { canceled: true, state: 'canceled' };
    },

    /** Read-only: the credit memo recording a Stripe refund (by the marker in its comment, or the staff memo it came from). */
    async findRefundCreditMemo(input: {
      entityId: number;
      refundId: string;
      magentoCreditMemoId?: string;
    }): Promise<{ creditMemoId: number; grandTotal?: number } | undefined> {
      const found = await refundMemoOf(input.entityId, input.refundId, input.magentoCreditMemoId);
      return found && { creditMemoId: found.entity_id, grandTotal: found.grand_total };
    },

    /**
     * An offline credit memo for exactly the refunded amount, once: a memo carrying the refund id (or the staff memo
     * the refund came from) is the one. Items the refund matches are credited, else the refund is an adjustment; the
     * memo's total is read back and must equal the refund.
     */
    async creditMemoForRefund(input: RefundMemoInput): Promise<RefundMemoResult> {
      const memos = (await magento.listCreditMemos(input.entityId)).items;
      const existing = memoOfRefund(memos, input.refundId, input.magentoCreditMemoId);
      if (existing) {
        const kind =
          String(existing.entity_id) === input.magentoCreditMemoId
            ? 'staff_memo'
            : existing.transaction_id?.startsWith(input.refundId)
              ? 'module_memo'
              : undefined;
        return {
          creditMemoId: existing.entity_id,
          created: false,
          grandTotalMinor: toMinor(existing.grand_total ?? 0, input.currency),
          ...(kind ? { kind } : {}),
        };
      }
      if (input.magentoCreditMemoId)
        throw new MappingError(
          `Stripe refund ${input.refundId} names Magento credit memo ${input.magentoCreditMemoId}, which order ${input.entityId} does not have`,
        );
      const madeInMagento = !input.chargeback && !input.uncaptured ? unclaimedMemoFor(memos, input) : undefined;
      if (madeInMagento) {
        // Staff credited the order in Magento (or the module did, online) and the money went back in Stripe: the
        // same money once. The memo is marked as this refund's, so the credit memo sync does not refund it again.
        await magento.addCreditMemoComment(
          madeInMagento.entity_id,
          `Refunded in Stripe: ${input.refundId}, ${formatMoney(input.amountMinor, input.currency)} (this memo records it). ${commentMarker(refundMemoKey(input.refundId))}`,
        );
        return {
          creditMemoId: madeInMagento.entity_id,
          created: false,
          grandTotalMinor: input.amountMinor,
          kind: madeInMagento.transaction_id ? 'module_memo' : 'staff_memo',
        };
      }
      const order = await magento.getOrder(input.entityId);
      if (order.order_currency_code.toUpperCase() !== input.currency) {
        throw new MappingError(
          `Stripe refund ${input.refundId} is in ${input.currency} but order ${order.increment_id} is in ${order.order_currency_code}`,
        );
      }
      const plan = creditMemoPlanFor(order, input.amountMinor);
      const currency = order.order_currency_code;
      const marker = commentMarker(refundMemoKey(input.refundId));
      const what = input.chargeback
        ? 'Chargeback: Stripe dispute lost'
        : input.uncaptured
          ? 'Not captured in Stripe (the rest of the authorisation was released)'
          : 'Refunded in Stripe';
      const comment = `${what}: ${input.refundId}, ${formatMoney(input.amountMinor, currency)}${input.reason ? ` (${input.reason})` : ''}. ${marker}`;
      const creditMemoId = Number(
        await magento.refundOffline(input.entityId, {
          items: plan.items,
          shippingAmount: fromMinor(plan.shippingMinor, currency),
          comment,
          notify: true,
          adjustmentPositive: fromMinor(plan.adjustmentPositiveMinor, currency),
          adjustmentNegative: fromMinor(plan.adjustmentNegativeMinor, currency),
          ...(input.returnToStock && plan.kind !== 'adjustment'
            ? { returnToStockItems: plan.items.filter((i) => i.qty > 0).map((i) => i.order_item_id) }
            : {}),
        }),
      );
      const memo = await magento.getCreditMemo(creditMemoId);
      const grandTotalMinor = toMinor(memo.grand_total ?? 0, currency);
      if (grandTotalMinor !== input.amountMinor) {
        throw new MappingError(
          `Magento credit memo ${creditMemoId} for Stripe refund ${input.refundId} totals ${formatMoney(grandTotalMinor, currency)}, ` +
            `not the refunded ${formatMoney(input.amountMinor, currency)}: check it in Magento before retrying`,
        );
      }
      return { creditMemoId, created: true, grandTotalMinor, kind: plan.kind };
    },

    /** Undo for an invoiced order: an offline credit memo for all that is left to refund, once (found again by the key in its comment). */
    async creditMagentoOrder(input: {
      entityId: number;
      key: string;
      comment: string;
      notifyCustomer: boolean;
    }): Promise<{ creditMemoId?: number; created: boolean }> {
      const memos = await magento.listCreditMemos(input.entityId);
      const marker = commentMarker(input.key);
      const existing = memos.items.find((m) => (m.comments ?? []).some((c) => c.comment?.includes(marker)));
      if (existing) return { creditMemoId: existing.entity_id, created: false };
      const order = await magento.getOrder(input.entityId);
      if ((order.total_invoiced ?? 0) <= 0) return { created: false };
      const currency = order.order_currency_code;
      const leftMinor =
        toMinor(order.total_paid ?? order.total_invoiced ?? 0, currency) - toMinor(order.total_refunded ?? 0, currency);
      if (leftMinor <= 0) return { creditMemoId: memos.items[0]?.entity_id, created: false };
      // What earlier partial refunds left: every line and the shipping not yet credited.
      const plan = creditMemoPlanFor(order, leftMinor);
      const creditMemoId = await magento.refundOffline(input.entityId, {
        comment: `${input.comment} ${marker}`,
        notify: input.notifyCustomer,
        items: plan.items,
        shippingAmount: fromMinor(plan.shippingMinor, currency),
        adjustmentPositive: fromMinor(plan.adjustmentPositiveMinor, currency),
        adjustmentNegative: fromMinor(plan.adjustmentNegativeMinor, currency),
      });
      return { creditMemoId: Number(creditMemoId), created: true };
    },
  };
}

export type MagentoActivities = ReturnType<typeof createMagentoActivities>;
