import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
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
  topic: string;
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

/** A fresh message id and its Standard Webhooks headers, signed now. */
function signed(body: string, prefix = 'msg_door'): { id: string; headers: Record<string, string> } {
  const id = `${prefix}_${randomBytes(8).toString('hex')}`;
  const at = new Date();
  return {
    id,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(testSecrets.wmsWebhookSecret).sign(id, at, body),
    },
  };
}

interface EventLike {
  workflowExecutionSignaledEventAttributes?: {
    signalName?: string | null;
    input?: { payloads?: Parameters<typeof defaultPayloadConverter.fromPayload>[0][] | null } | null;
  } | null;
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
      return all.find(
        (d) =>
          d.topic === 'order.shipped' &&
          d.payload.data.reference_id === order.increment_id &&
          d.history[0]?.status === 200,
      );
    });
    await runEnded(dev.client, `order:${order.increment_id}`, 60_000);
    const replay = await postWms(dev.apiUrl, headersOf(delivery), JSON.stringify(delivery.payload));
    expect(replay).toMatchObject({ status: 200, body: { delivered: false } });
    expect(await shipmentSignals(handle)).toBe(1);
    await expect(dev.client.workflow.getHandle(`wms:${delivery.id}`).result()).resolves.toMatchObject({
      outcome: 'delivered',
    });
    // The stack's warehouse reports the parcel delivered 100 ms after it ships: the door acknowledges that too.
    await eventually('the warehouse to report the delivery', async () => {
      const all = (await (await fetch(`${dev.stack.urls.wms}/__sandbox/webhooks`)).json()) as Delivery[];
      return all.find(
        (d) =>
          d.topic === 'order.shipment.delivered' &&
          d.payload.data.reference_id === order.increment_id &&
          d.history.some((h) => h.status === 200),
      );
    });
  });

  it('hands delivered, exception, on-hold and cancelled news to the order run as shipmentEvent signals, refusing malformed ones and ignoring other topics', async () => {
    const { order, handle } = await orderRunAt('pm_card_riskLevelElevated', 'fraud_hold');
    const ref = order.increment_id;
    const data = { order_id: 100000001, reference_id: ref, shipment_id: 200000001 };
    const messages = [
      {
        type: 'order.shipment.on_hold',
        timestamp: '2026-12-01T10:00:00.000Z',
        data: {
          ...data,
          status: 'OnHold',
          status_details: [{ id: 320, name: 'OnHold', description: 'Address check' }],
        },
      },
      {
        type: 'order.shipment.exception',
        timestamp: '2026-12-01T11:00:00.000Z',
        data: { ...data, status: 'Exception', status_details: [{ id: 310, name: 'Exception' }] },
      },
      {
        type: 'order.shipment.delivered',
        timestamp: '2026-12-03T09:00:00.000Z',
        data: { ...data, status: 'Completed', delivered_at: '2026-12-03T08:59:00.000Z', status_details: [] },
      },
      {
        type: 'order.shipment.cancelled',
        timestamp: '2026-12-01T12:00:00.000Z',
        data: { reference_id: ref, status: 'Cancelled', status_details: [{ id: 330, description: 'x'.repeat(900) }] },
      },
    ];
    const ids: string[] = [];
    for (const message of messages) {
      const body = JSON.stringify(message);
      const { id, headers } = signed(body);
      ids.push(id);
      expect(await postWms(dev.apiUrl, headers, body)).toEqual({
        status: 200,
        body: {
          received: true,
          workflowId: `order:${ref}`,
          intakeWorkflowId: `wms:${id}`,
          delivered: true,
          duplicate: false,
        },
      });
    }
    for (const id of ids)
      await expect(dev.client.workflow.getHandle(`wms:${id}`).result()).resolves.toMatchObject({
        outcome: 'delivered',
      });
    await recordHistories(dev.client, [{ name: 'wms-shipment-event-delivered', workflowId: `wms:${ids[2]}` }]);

    const signals = ((await handle.fetchHistory()).events ?? [])
      .map((e) => (e as EventLike).workflowExecutionSignaledEventAttributes)
      .filter((a) => a?.signalName === 'shipmentEvent')
      .map((a) => defaultPayloadConverter.fromPayload<{ webhookId: string }>(a!.input!.payloads![0]!));
    // Each message is its own run, so the signals reach the order in whichever order those runs send them.
    const inSentOrder = [...signals].sort((a, b) => ids.indexOf(a.webhookId) - ids.indexOf(b.webhookId));
    expect(inSentOrder).toEqual([
      {
        kind: 'on_hold',
        webhookId: ids[0],
        wmsOrderId: 100000001,
        shipmentId: 200000001,
        at: '2026-12-01T10:00:00.000Z',
        reason: 'Address check',
      },
      {
        kind: 'exception',
        webhookId: ids[1],
        wmsOrderId: 100000001,
        shipmentId: 200000001,
        at: '2026-12-01T11:00:00.000Z',
        reason: 'Exception',
      },
      {
        kind: 'delivered',
        webhookId: ids[2],
        wmsOrderId: 100000001,
        shipmentId: 200000001,
        at: '2026-12-03T08:59:00.000Z',
      },
      { kind: 'cancelled', webhookId: ids[3], at: '2026-12-01T12:00:00.000Z', reason: 'x'.repeat(500) },
    ]);
    expect(await shipmentSignals(handle)).toBe(0);

    const refusals = [
      { type: 'order.shipment.delivered', data: { order_id: 1 } },
      { type: 'order.shipment.exception', data: { reference_id: ref, status_details: 'lost' } },
      { type: 'order.shipment.on_hold', data: { reference_id: ref, status: 'x'.repeat(2_001) } },
      { type: 'order.shipment.cancelled', data: { reference_id: 'not an increment id!' } },
    ];
    for (const refusal of refusals) {
      const body = JSON.stringify(refusal);
      const answer = await postWms(dev.apiUrl, signed(body).headers, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(new RegExp(`^invalid ${refusal.type.replaceAll('.', '\\.')} payload: data\\.`));
    }
    const other = JSON.stringify({ type: 'return.created', data: { reference_id: ref } });
    expect(await postWms(dev.apiUrl, signed(other).headers, other)).toEqual({
      status: 200,
      body: { received: true, ignored: true },
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');
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
