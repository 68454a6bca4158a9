import axios from 'axios';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { CatchUpProgress } from '../../workflows/stripeCatchUp';
import { startDevStack, type DevStack } from '../harness/devStack';
import { pay, placeOrder, waitForStep } from '../workflows/orderFlow';

describe('catch-up from Stripe after a webhook outage', () => {
  let dev: DevStack;
  beforeAll(async () => {
    dev = await startDevStack({ stripeWebhooks: true });
  });
  afterAll(async () => {
    await dev?.close();
  });

  async function replay(sinceEpochSec: number): Promise<CatchUpProgress> {
    const started = await axios.post(
      `${dev.apiUrl}/admin/stripe/replay`,
      { since: sinceEpochSec },
      { headers: dev.admin },
    );
    expect(started.status).toBe(202);
    for (;;) {
      const res = await axios.get(`${dev.apiUrl}${started.data.status}`, { headers: dev.admin });
      if (res.data.status === 'COMPLETED') return res.data.progress;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function deliveredCount(): Promise<number> {
    const res = await axios.get(`${dev.stack.urls.stripe}/__sandbox/deliveries`);
    const deliveries = (Array.isArray(res.data) ? res.data : res.data.data) as Array<{
      lastStatus?: number;
      status?: number;
    }>;
    return deliveries.filter((d) => (d.lastStatus ?? d.status) === 200).length;
  }

  const orderExists = (incrementId: string) =>
    dev.client.workflow
      .getHandle(`order:${incrementId}`)
      .describe()
      .then(
        () => true,
        (err) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );

  it('starts nothing new for events the webhook already delivered, and starts the ones it never delivered', async () => {
    const since = Math.floor(Date.now() / 1000) - 5;
    const delivered = await placeOrder(dev.stack);
    await pay(dev.stack, delivered, 'pm_card_visa');
    for (let i = 0; i < 100 && !(await orderExists(delivered.increment_id)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await orderExists(delivered.increment_id)).toBe(true);
    // Everything the order causes in Stripe (a guest's customer, made after the fraud gate) is there and delivered first.
    await waitForStep(dev.client.workflow.getHandle(`order:${delivered.increment_id}`), 'awaiting_shipment');
    let before = await deliveredCount();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await deliveredCount();
      if (now === before) break;
      before = now;
    }
    expect(before).toBeGreaterThan(0);

    const known = await replay(since);
    expect(known.started).toBe(0);
    expect(known.duplicates).toBeGreaterThanOrEqual(1); // payment_intent.succeeded (its charge.succeeded is redundant, ignored by both doors)
    expect(known.seen).toBe(known.duplicates + known.ignored);

    await axios.put(`${dev.stack.urls.stripe}/__sandbox/delivery`, { paused: true });
    const missed = await placeOrder(dev.stack);
    await pay(dev.stack, missed, 'pm_card_visa');
    await new Promise((r) => setTimeout(r, 300));
    expect(await orderExists(missed.increment_id)).toBe(false);

    const caughtUp = await replay(since);
    expect(caughtUp.started).toBeGreaterThanOrEqual(1);
    expect(caughtUp.duplicates).toBe(known.duplicates);
    for (let i = 0; i < 100 && !(await orderExists(missed.increment_id)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await orderExists(missed.increment_id)).toBe(true);

    const again = await replay(since);
    expect(again.started).toBe(0);
  });
});
