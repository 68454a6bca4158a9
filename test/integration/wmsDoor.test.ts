import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { spawnApi, type ApiProcess } from '../harness/apiProcess';
import { startDevStack, type DevStack } from '../harness/devStack';
import { testSecrets } from '../harness/productStack';
import { eventsAbout, pay, placeOrder, runEnded, waitForStep } from '../workflows/orderFlow';
import { eventually } from '../harness/eventually';
import { recordHistories } from '../harness/recordHistories';

jest.setTimeout(240_000);

interface Delivery {
  id: string;
  payload: { data: { reference_id: string } };
  history: Array<{ at: string; status: number | null }>;
}

/** The exact headers one recorded attempt was sent with: its webhook-id, its timestamp, its signature. */
function headersOf(delivery: Delivery, secret = testSecrets.wmsWebhookSecret): Record<string, string> {
  const at = new Date(delivery.history[0]!.at);
  return {
    'content-type': 'application/json',
    'webhook-id': delivery.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(delivery.id, at, JSON.stringify(delivery.payload)),
  };
}

async function postWms(url: string, headers: Record<string, string>, body: string) {
  const res = await fetch(`${url}/webhooks/wms`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function shippedBody(referenceId: string): string {
  return JSON.stringify({
    type: 'order.shipped',
    data: { order_id: 1, reference_id: referenceId, tracking: { carrier: 'UPS', tracking_number: '1Z999' } },
  });
}

interface EventLike {
  workflowExecutionSignaledEventAttributes?: { signalName?: string | null } | null;
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('the WMS door', () => {
  let dev: DevStack;
  let replica: ApiProcess | undefined;
  beforeAll(async () => {
    // The warehouse ships only when told, so the test decides when the webhook goes.
    dev = await startDevStack({ wmsShipDelayMs: 3_600_000 });
  });
  afterAll(async () => {
    await replica?.stop();
    await dev?.close();
  });

  const spawnReplica = () =>
    spawnApi({
      TEMPORAL_TASK_QUEUE: dev.taskQueue,
      STRIPE_WEBHOOK_SECRET: testSecrets.stripeWebhookSecret,
      WMS_WEBHOOK_SECRET: testSecrets.wmsWebhookSecret,
      DATA_DIR: `/tmp/o2c-wms-door-${process.pid}`,
    });

  /** A paid order's run, through the API's Stripe door, waiting at `step`. */
  async function orderRunAt(paymentMethod: string, step: string) {
    const order = await placeOrder(dev.stack);
    const pi = await pay(dev.stack, order, paymentMethod);
    const [paid] = await eventsAbout(dev.stack, pi.id, ['payment_intent.succeeded']);
    const body = JSON.stringify(paid);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: testSecrets.stripeWebhookSecret,
    });
    await fetch(`${dev.apiUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body,
    });
    const handle = dev.client.workflow.getHandle(`order:${order.increment_id}`);
    await waitForStep(handle, step, 60_000);
    return { order, handle };
  }

  const shipmentSignals = async (handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) =>
    ((await handle.fetchHistory()).events ?? []).filter(
      (e) => (e as EventLike).workflowExecutionSignaledEventAttributes?.signalName === 'shipment',
    ).length;

  it('refuses a replayed webhook-id and signature as a duplicate at the same API, at a second API process and after its restart: the order run has one shipment signal', async () => {
    // A run held for a fraud decision keeps waiting after the shipment arrives, so every replay meets it running.
    const { order, handle } = await orderRunAt('pm_card_riskLevelElevated', 'fraud_hold');
    const shipped = shippedBody(order.increment_id);
    const id = `msg_replay_${randomBytes(8).toString('hex')}`;
    const at = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(testSecrets.wmsWebhookSecret).sign(id, at, shipped),
    };
    const first = await postWms(dev.apiUrl, headers, shipped);
    expect(first).toEqual({
      status: 200,
      body: {
        received: true,
        workflowId: `order:${order.increment_id}`,
        intakeWorkflowId: `wms:${id}`,
        delivered: true,
        duplicate: false,
      },
    });
    const replays = [await postWms(dev.apiUrl, headers, shipped)];
    replica = await spawnReplica();
    replays.push(await postWms(replica.url, headers, shipped));
    await replica.stop();
    replica = await spawnReplica();
    replays.push(await postWms(replica.url, headers, shipped));
    for (const replay of replays)
      expect(replay).toEqual({
        status: 200,
        body: {
          received: true,
          workflowId: `order:${order.increment_id}`,
          intakeWorkflowId: `wms:${id}`,
          delivered: false,
          duplicate: true,
        },
      });
    await expect(dev.client.workflow.getHandle(`wms:${id}`).result()).resolves.toMatchObject({ outcome: 'delivered' });
    await recordHistories(dev.client, [{ name: 'wms-shipment-delivered', workflowId: `wms:${id}` }]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await shipmentSignals(handle)).toBe(1);
  });

  it('takes the sandbox warehouse’s own delivery to a completed order, and its replay adds nothing', async () => {
    const { order, handle } = await orderRunAt('pm_card_visa', 'awaiting_shipment');
    const wmsOrder = await dev.stack.clients.wms.findByReferenceId(order.increment_id);
    await fetch(`${dev.stack.urls.wms}/__sandbox/orders/${wmsOrder!.id}/ship`, { method: 'POST' });
    const delivery = await eventually('the warehouse to deliver its webhook', async () => {
      const all = (await (await fetch(`${dev.stack.urls.wms}/__sandbox/webhooks`)).json()) as Delivery[];
      return all.find((d) => d.payload.data.reference_id === order.increment_id && d.history[0]?.status === 200);
    });
    await runEnded(dev.client, `order:${order.increment_id}`, 60_000);
    const replay = await postWms(dev.apiUrl, headersOf(delivery), JSON.stringify(delivery.payload));
    expect(replay).toMatchObject({ status: 200, body: { delivered: false } });
    expect(await shipmentSignals(handle)).toBe(1);
    await expect(dev.client.workflow.getHandle(`wms:${delivery.id}`).result()).resolves.toMatchObject({
      outcome: 'delivered',
    });
  });

  it('ends a warehouse message’s run as no_order_workflow when the order’s run is gone by the time it signals', async () => {
    const id = `msg_gone_${randomBytes(8).toString('hex')}`;
    const result = await dev.client.workflow.execute('wmsShipmentIntake', {
      workflowId: `wms:${id}`,
      taskQueue: dev.taskQueue,
      args: [{ webhookId: id, incrementId: 'NO-SUCH-ORDER', notice: { trackingNumber: '1Z999' } }],
    });
    expect(result).toMatchObject({ outcome: 'no_order_workflow', workflowId: 'order:NO-SUCH-ORDER' });
    await recordHistories(dev.client, [{ name: 'wms-shipment-no-order', workflowId: `wms:${id}` }]);
  });

  it('verifies a signature made with any of the configured secrets while one is rolled, and no other', async () => {
    const [current, previous] = [newSecret(), newSecret()];
    const rotating = await spawnApi({
      TEMPORAL_TASK_QUEUE: dev.taskQueue,
      STRIPE_WEBHOOK_SECRET: testSecrets.stripeWebhookSecret,
      WMS_WEBHOOK_SECRET: `${current}, ${previous}`,
      DATA_DIR: `/tmp/o2c-wms-door-rotating-${process.pid}`,
    });
    try {
      const deliver = (secret: string) => {
        const body = shippedBody('NO-SUCH-ORDER');
        const id = `msg_rot_${randomBytes(8).toString('hex')}`;
        const at = new Date();
        return postWms(
          rotating.url,
          {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': new Webhook(secret).sign(id, at, body),
          },
          body,
        );
      };
      // Verified: the answer is about the order (it has no run), not about the signature.
      for (const secret of [current, previous])
        expect(await deliver(secret)).toMatchObject({
          status: 200,
          body: { delivered: false, reason: 'no running order workflow' },
        });
      expect(await deliver(newSecret())).toEqual({ status: 400, body: { error: 'No matching signature found' } });
      expect(rotating.output()).not.toContain(current.slice(6));
      expect(rotating.output()).not.toContain(previous.slice(6));
    } finally {
      await rotating.stop();
    }
  });
});
