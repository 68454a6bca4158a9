import {
  creditMemoSnapshotOf,
  listedCreditMemo,
  stripePaymentOfOrder,
  type CreditMemoSnapshot,
  type StripePaymentReference,
} from '../../domain/creditMemoSync';
import { commentMarker } from '../../domain/magento';
import { formatMoney } from '../../domain/money';
import { refundMemoKey } from './activities';
import type { MagentoClient } from '../../integrations/magento/client';
import type { Filter } from '../../integrations/magento/searchCriteria';

export interface CreditMemoPage {
  /** Oldest `updated_at` first, then by id. */
  memos: CreditMemoSnapshot[];
  /** Fewer than a page: nothing after these yet. */
  isLastPage: boolean;
}

export interface MagentoOrderPayment extends StripePaymentReference {
  incrementId: string;
  /** Magento's payment method code (`stripe_payments` for the official module). */
  paymentMethod?: string;
  /** Stripe refunds the order's memos already record (our markers, the module's online refund ids). */
  refundsRecorded?: string[];
}

const defaultPageSize = 50;

/** Magento activities for refunds made in Magento: reads, and one comment found again by its marker before it is added. */
export function createCreditMemoSyncActivities(magento: MagentoClient) {
  return {
    /**
     * Read-only: one page of credit memos with `updated_at` at or after `since` (less `excludeIds`, the ones already
     * read at exactly that second), sorted by `updated_at` then id, each with its order's increment id (one order
     * search per page). A memo whose amount cannot be read is listed with the problem, not refused.
     */
    async listCreditMemosUpdatedSince(input: {
      since: string;
      excludeIds?: number[];
      pageSize?: number;
    }): Promise<CreditMemoPage> {
      const pageSize = input.pageSize ?? defaultPageSize;
      const groups: Filter[][] = [[{ field: 'updated_at', value: input.since, conditionType: 'gteq' }]];
      if (input.excludeIds?.length)
        groups.push([{ field: 'entity_id', value: input.excludeIds.join(','), conditionType: 'nin' }]);
      const page = await magento.searchCreditMemos(groups, {
        pageSize,
        currentPage: 1,
        sortOrders: [
          { field: 'updated_at', direction: 'ASC' },
          { field: 'entity_id', direction: 'ASC' },
        ],
      });
      const orderIds = [...new Set(page.items.map((m) => m.order_id))];
      const orders =
        orderIds.length === 0
          ? []
          : (
              await magento.searchOrders([[{ field: 'entity_id', value: orderIds.join(','), conditionType: 'in' }]], {
                pageSize: orderIds.length,
              })
            ).items;
      const incrementIds = new Map(orders.map((o) => [o.entity_id, o.increment_id]));
      return {
        memos: page.items.map((m) => listedCreditMemo(m, incrementIds.get(m.order_id))),
        isLastPage: page.items.length < pageSize,
      };
    },

    /** Read-only: one credit memo and its order's increment id, read now (a listing may be minutes old). */
    async loadCreditMemo(creditMemoId: number): Promise<CreditMemoSnapshot> {
      const memo = await magento.getCreditMemo(creditMemoId);
      const order = await magento.getOrder(memo.order_id);
      return creditMemoSnapshotOf(memo, order.increment_id);
    },

    /** Read-only: the Stripe payment Magento records for an order (this product's invoice comment, transaction ids). */
    async stripePaymentOfMagentoOrder(orderEntityId: number): Promise<MagentoOrderPayment> {
      const order = await magento.getOrder(orderEntityId);
      const invoices = await magento.listInvoices(orderEntityId);
      const memos = await magento.listCreditMemos(orderEntityId);
      const refundsRecorded = memos.items.flatMap((m) => [
        ...(m.comments ?? []).flatMap((c) =>
          [...(c.comment ?? '').matchAll(/\[o2c:refund:(re_[A-Za-z0-9]+)\]/g)].map((x) => x[1]!),
        ),
        ...(m.transaction_id?.startsWith('re_') ? [m.transaction_id.replace(/-.*$/, '')] : []),
      ]);
      return {
        incrementId: order.increment_id,
        refundsRecorded,
        ...(order.payment?.method ? { paymentMethod: order.payment.method } : {}),
        ...stripePaymentOfOrder(order, invoices.items),
      };
    },

    /**
     * Notes the Stripe refund on the memo it came from, unless a comment already carries the refund's marker. The
     * marker (the one the refund's own run looks for) also makes the memo the product's own for later polls.
     */
    async noteStripeRefundOnCreditMemo(input: {
      creditMemoId: number;
      refundId: string;
      amountMinor: number;
      currency: string;
    }): Promise<{ added: boolean }> {
      const marker = commentMarker(refundMemoKey(input.refundId));
      const memo = await magento.getCreditMemo(input.creditMemoId);
      if ((memo.comments ?? []).some((c) => c.comment?.includes(marker))) return { added: false };
      await magento.addCreditMemoComment(
        input.creditMemoId,
        `Refunded in Stripe: ${input.refundId}, ${formatMoney(input.amountMinor, input.currency)}. ${marker}`,
      );
      return { added: true };
    },
  };
}

export type CreditMemoSyncActivities = ReturnType<typeof createCreditMemoSyncActivities>;
