import axios from 'axios';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type Stripe from 'stripe';
import { toMinor } from '../../domain/money';
import type { MagentoOrder } from '../../domain/magento';
import type { OrderOutcome } from '../../messages/order';
import type { ProductStack } from '../harness/productStack';
import { recordHistories } from '../harness/recordHistories';
import { basketOrder, type BasketCurrency } from './baskets';
import { openDispute } from './disputeFlow';
import {
  deliver,
  eventsAbout,
  eventually,
  runEnded,
  pay,
  placeOrder,
  shipInWms,
  waitForStep,
  shipAndDeliver,
} from './orderFlow';
import { startWorkflowStack, type WorkflowStack } from './workflowStack';

jest.setTimeout(180_000);

/** Three refunds of each basket (test/workflows/baskets.ts) in minor units: the last completes the total. */
const threeRefunds = { JPY: [1779, 1779], KWD: [6130, 6140], USD: [1234, 2000] } as const;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Patch 1.2:order-books-refunds-before-shipment: refunds and a lost dispute arriving together before the goods leave,
 * each credited once, by one writer, in its own credit memo.
 */
describe('refunds and disputes racing an unshipped order: one writer per refund', () => {
  let ws: WorkflowStack;
  let env: TestWorkflowEnvironment;
  let stack: ProductStack;
  let taskQueue: string;
  const recorded: Array<{ name: string; workflowId: string }> = [];

  beforeAll(async () => {
    ws = await startWorkflowStack('refund-races');
    ({ env, stack, taskQueue } = ws);
    // A USD-settled account, as the ERP company keeps its books in USD.
    await axios.put(`${stack.urls.stripe}/__sandbox/settlement`, {
      default_currency: 'USD',
      settlement_currencies: ['USD'],
      exchange_rates: { jpy: 0.0067, kwd: 3.25 },
    });
  });
  afterAll(async () => {
    if (!ws) return;
    await recordHistories(ws.env.client, recorded);
    await ws.close();
  });

  const orderHandle = (incrementId: string) => env.client.workflow.getHandle(`order:${incrementId}`);

  async function awaitingShipment(
    currency: BasketCurrency,
  ): Promise<{ order: MagentoOrder; pi: Stripe.PaymentIntent }> {
    const order = await placeOrder(stack, basketOrder(currency));
    const pi = await pay(stack, order, 'pm_card_visa');
    await deliver(env.client, taskQueue, await eventsAbout(stack, pi.id, ['payment_intent.succeeded']));
    await waitForStep(orderHandle(order.increment_id), 'awaiting_shipment');
    return { order, pi };
  }

  /** The refund's own events (`refund.*`), as Stripe sends them when it is made. */
  async function refundEvents(refundId: string): Promise<Stripe.Event[]> {
    const events: Stripe.Event[] = [];
    for await (const event of stack.stripe.events.list({ limit: 100 }))
      if (event.type.startsWith('refund.') && (event.data.object as { id?: string }).id === refundId)
        events.push(event);
    return events.reverse();
  }

  const ended = <T>(workflowId: string): Promise<T> => runEnded<T>(env.client, workflowId);

  async function memosOf(order: MagentoOrder) {
    return (await stack.clients.magento.listCreditMemos(order.entity_id)).items.map((m) => ({
      totalMinor: toMinor(m.grand_total ?? 0, order.order_currency_code),
      comments: JSON.stringify(m.comments ?? []),
    }));
  }

  async function liveErpPayments(incrementId: string) {
    return stack.clients.erp.listDocs<{ name: string; reference_no: string }>('Payment Entry', {
      filters: [
        ['docstatus', '=', 1],
        ['remarks', 'like', `%${incrementId}%`],
      ],
      fields: ['name', 'reference_no'],
      limit: 0,
    });
  }

  it.each(['JPY', 'KWD', 'USD'] as const)(
    '%s: three partial refunds 300 ms apart, the last completing the total before shipment, make three memos and park nothing',
    async (currency) => {
      const { order, pi } = await awaitingShipment(currency);
      const paidMinor = toMinor(order.grand_total, currency);
      const [first, second] = threeRefunds[currency];
      const amounts = [first, second, paidMinor - first - second];
      const refunds: Stripe.Refund[] = [];
      const deliveries: Array<Promise<void>> = [];
      for (const amount of amounts) {
        const refund = await stack.stripe.refunds.create({ payment_intent: pi.id, amount });
        refunds.push(refund);
        deliveries.push(refundEvents(refund.id).then((events) => deliver(env.client, taskQueue, events)));
        await pause(300);
      }
      await Promise.all(deliveries);
      if (currency === 'JPY') {
        recorded.push({ name: 'order-three-refunds-before-shipment', workflowId: `order:${order.increment_id}` });
        recorded.push({ name: 'refund-recorded-by-order', workflowId: `refund:${refunds[0]!.id}` });
      }

      const outcome = await ended<OrderOutcome>(`order:${order.increment_id}`);
      expect(outcome).toMatchObject({
        outcome: 'compensated',
        reason: 'the payment was fully refunded in Stripe before shipment',
      });
      const refundOutcomes: string[] = [];
      for (const refund of refunds)
        refundOutcomes.push((await ended<{ outcome: string }>(`refund:${refund.id}`)).outcome);

      const memos = await memosOf(order);
      expect(memos).toHaveLength(3);
      for (const [i, refund] of refunds.entries()) {
        const memo = memos.find((m) => m.comments.includes(refund.id));
        expect(memo?.totalMinor).toBe(amounts[i]);
      }
      const magentoOrder = await stack.clients.magento.getOrder(order.entity_id);
      expect(toMinor(magentoOrder.total_refunded ?? 0, currency)).toBe(paidMinor);
      expect(magentoOrder.state).toBe('closed');
      // Stripe refunded only what the merchant did; the ERP order is reversed, with no payment left standing.
      expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data).toHaveLength(3);
      const salesOrders = await stack.clients.erp.listDocs<{ docstatus: number }>('Sales Order', {
        filters: [['po_no', '=', order.increment_id]],
        fields: ['docstatus'],
        limit: 0,
      });
      expect(salesOrders.every((so) => so.docstatus === 2)).toBe(true);
      expect(await liveErpPayments(order.increment_id)).toEqual([]);
      expect(refundOutcomes).toEqual(['recorded_by_order', 'recorded_by_order', 'recorded_by_order']);
    },
  );

  it('books a partial refund and a lost dispute racing the shipment once each: one memo per refund, one chargeback', async () => {
    const { order, pi } = await awaitingShipment('USD');
    const paidMinor = toMinor(order.grand_total, 'USD');
    const refund = await stack.stripe.refunds.create({ payment_intent: pi.id, amount: 1500 });
    const disputeId = await openDispute({ stack, client: env.client, taskQueue }, pi);
    recorded.push({ name: 'order-refund-and-lost-dispute-racing-shipment', workflowId: `order:${order.increment_id}` });

    // The refund's events, the dispute lost, and the parcel leaving, all at once.
    const tracking = await shipInWms(stack, order.increment_id);
    await axios.post(`${stack.urls.stripe}/__sandbox/disputes/${disputeId}/close`, { status: 'lost' });
    await Promise.all([
      refundEvents(refund.id).then((events) => deliver(env.client, taskQueue, events)),
      eventsAbout(stack, disputeId, ['charge.dispute.closed']).then((events) => deliver(env.client, taskQueue, events)),
      shipAndDeliver(orderHandle(order.increment_id), tracking),
    ]);

    const outcome = await ended<OrderOutcome>(`order:${order.increment_id}`);
    expect(['compensated', 'completed']).toContain(outcome.outcome);
    expect(['recorded', 'recorded_by_order']).toContain(
      (await ended<{ outcome: string }>(`refund:${refund.id}`)).outcome,
    );
    expect(['lost', 'lost_before_shipment']).toContain(
      (await ended<{ outcome: string }>(`dispute:${disputeId}`)).outcome,
    );

    await eventually('the memos of the refund and the chargeback', async () => {
      const memos = await memosOf(order);
      return memos.length >= 2 ? memos : undefined;
    });
    const memos = await memosOf(order);
    expect(memos).toHaveLength(2);
    expect(memos.find((m) => m.comments.includes(refund.id))?.totalMinor).toBe(1500);
    expect(memos.find((m) => /chargeback/i.test(m.comments))?.totalMinor).toBe(paidMinor - 1500);
    const magentoOrder = await stack.clients.magento.getOrder(order.entity_id);
    expect(toMinor(magentoOrder.total_refunded ?? 0, 'USD')).toBe(paidMinor);
    expect((await stack.stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.id)).toEqual([refund.id]);
  });
});
