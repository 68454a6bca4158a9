import { upsertSearchAttributes } from '@temporalio/workflow';
import { formatMoney } from '../domain/money';
import type { OrderSnapshot } from '../domain/orderSnapshot';
import { MagentoOrderId } from '../domain/searchAttributes';
import { systems } from './systems';
import { permanentFailure, type createReviewQueue } from './reviewQueue';

/** Steps the runs of Stripe objects that come after a sale (a refund, a dispute) share. */

type Review = ReturnType<typeof createReviewQueue>;

/** What a refund or dispute says about the payment it is on. */
export interface OnPayment {
  amountMinor: number;
  currency: string;
  magentoOrderId?: string;
  paymentIntentId?: string;
  chargeId?: string;
}

const { magento } = systems;

/**
 * The Magento order the object's payment names (its metadata `magento_order_id`), tagged on the run's search
 * attributes. A payment that names none parks the run; a retry reads the object from Stripe again first.
 */
export async function orderNamedBy<T extends OnPayment>(
  review: Review,
  what: string,
  object: T,
  reread: () => Promise<T>,
): Promise<{ incrementId: string; object: T }> {
  let attempts = 0;
  let latest = object;
  await review.step(async () => {
    if (attempts++ > 0) latest = await reread();
    if (!latest.magentoOrderId) {
      throw permanentFailure(
        `${what} (${formatMoney(latest.amountMinor, latest.currency)}) is on payment ${latest.paymentIntentId ?? latest.chargeId} ` +
          'which names no Magento order (metadata magento_order_id)',
      );
    }
  });
  return { incrementId: latest.magentoOrderId!, object: latest };
}

/** Tags the run with its order, for visibility queries and the order's page. */
export function tagOrder(incrementId: string): void {
  upsertSearchAttributes([{ key: MagentoOrderId, value: incrementId }]);
}

/** The order's Magento snapshot; an order Magento does not have parks the run with what named it. */
export async function magentoOrderOrPark(review: Review, incrementId: string, what: string): Promise<OrderSnapshot> {
  return review.step(async () => {
    const found = await magento.loadOrderSnapshot(incrementId);
    if (!found) throw permanentFailure(`Magento has no order ${incrementId}, but ${what} names it`);
    return found;
  });
}
