import axios from 'axios';
import { dataConverterFrom } from '../../config/payloadCodec';
import { operatorSessionWorkflowType } from '../../messages/operatorSession';
import { Client, Connection } from '@temporalio/client';
import { ErpClient } from '../../integrations/erp/client';
import { MagentoClient } from '../../integrations/magento/client';
import { createStripeClient } from '../../integrations/stripe/client';
import { WmsClient } from '../../integrations/wms/client';
import { orderWorkflowId, refundWorkflowId } from '../../domain/eventRouting';
import { toMinor } from '../../domain/money';
import type { OrderStatus } from '../../messages/order';
import type { BenchStack } from '../bench/stack';
import { sandboxWmsChannelId } from '../sandboxEnv';
import { shopConnections } from '../shop/config';
import { placeOrders, type OrderOutcome } from '../shop/placeOrders';

export interface ChaosOptions {
  orders: number;
  /** Seconds the ERP stays down. */
  erpOutageSeconds: number;
  /** Seconds between the injections of the timeline. */
  stepSeconds: number;
  /** Orders refunded in part once settled (each gets a refund of a third). */
  refunds: number;
  seed: number;
  log?: (line: string) => void;
}

export interface Injection {
  atSeconds: number;
  what: string;
}

export interface ChaosReport {
  injected: Injection[];
  orders: {
    placed: number;
    paid: number;
    declined: number;
    completed: number;
    compensated: number;
    held: number;
    parked: number;
  };
  deliveries: { events: number; duplicatesSent: number };
  /** Paid orders without their documents at the end (lost), and orders with a document twice (duplicated). */
  lost: string[];
  duplicated: string[];
  /** Documents of an order that was never paid. */
  withoutCause: string[];
  refunds: { made: number; memosMatching: number; mismatched: string[] };
  /** Runs Temporal reports Failed, TimedOut or Terminated. */
  failedRuns: number;
  parkedReasons: string[];
  seconds: number;
}

const finalStates = ['completed', 'compensated', 'fraud_hold', 'needs_review'];

/**
 * docs/benchmark-and-chaos.md, "Chaos": storefront orders through the product while it is hurt from every side, then the sandboxes' own
 * records are checked: every paid order invoiced, ordered in the ERP and fulfilled exactly once, credit memos equal to
 * refunds, no document without its cause, no run Failed.
 */
export async function runChaos(stack: BenchStack, options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const at = () => Math.round((Date.now() - began) / 100) / 10;
  const injected: Injection[] = [];
  const inject = async (what: string, action: () => Promise<unknown>) => {
    injected.push({ atSeconds: at(), what });
    log(`[${at()} s] ${what}`);
    await action();
  };
  const secrets = stack.env;
  const connections = shopConnections(stack.env);
  const magento = new MagentoClient(connections.magento);
  const stripe = createStripeClient(connections.stripe);
  const erp = new ErpClient({
    baseUrl: stack.urls.erp,
    apiKey: String(secrets.ERP_API_KEY),
    apiSecret: String(secrets.ERP_API_SECRET),
  });
  const wms = new WmsClient({
    baseUrl: stack.urls.wms,
    token: String(secrets.WMS_TOKEN),
    channelId: String(stack.env.WMS_CHANNEL_ID ?? sandboxWmsChannelId),
  });

  // Orders are placed while delivery is held back (the storefront itself is not under test); then everything hurts.
  await axios.put(`${stack.urls.stripe}/__sandbox/delivery`, {
    duplicateRate: 0.5,
    shuffleWindowMs: 3_000,
    paused: true,
  });
  const summary = await placeOrders(
    { orders: options.orders, declineRate: 0.1, fraudRate: 0.05, currency: 'mix', concurrency: 4, seed: options.seed },
    { magento, stripe },
  );
  if (summary.failed > 0)
    throw new Error(
      `the storefront failed to place ${summary.failed} orders: ${summary.errors.slice(0, 3).join('; ')}`,
    );
  log(`[${at()} s] placed ${summary.placed} orders (${summary.paid} paid, ${summary.declined} declined)`);
  const paid = summary.outcomes.filter((o) => o.result === 'paid');

  await inject('Stripe: every event delivered, half of them twice, shuffled within 3 s', () =>
    axios.put(`${stack.urls.stripe}/__sandbox/delivery`, { duplicateRate: 0.5, shuffleWindowMs: 3_000, paused: false }),
  );
  await inject('Magento: 15% 429, 15% 5xx, 150 ms latency', () =>
    axios.put(`${stack.urls.magento}/__sandbox/faults`, { rate429: 0.15, rate5xx: 0.15, latencyMs: 150 }),
  );
  const step = (n: number) => new Promise((r) => setTimeout(r, n * options.stepSeconds * 1000));
  const timeline = (async () => {
    await step(1);
    await inject('worker 1 SIGKILLed and restarted', () => stack.killAndRestartWorker('worker'));
    await step(1);
    await inject(`ERP down (503) for ${options.erpOutageSeconds} s`, () =>
      axios.put(`${stack.urls.erp}/__sandbox/faults`, { outage: true }),
    );
    const erpBack = (async () => {
      await new Promise((r) => setTimeout(r, options.erpOutageSeconds * 1000));
      await inject('ERP back', () => axios.put(`${stack.urls.erp}/__sandbox/faults`, { outage: false }));
    })();
    await step(1);
    if (stack.processes.worker2)
      await inject('worker 2 SIGKILLed and restarted', () => stack.killAndRestartWorker('worker2'));
    await step(1);
    await inject('Temporal dev server SIGKILLed, restarted on the same SQLite file 2 s later', () =>
      stack.killAndRestartTemporal(2_000),
    );
    await step(1);
    await inject('API SIGKILLed and restarted (Stripe redelivers what it refused)', () => stack.killAndRestartApi());
    await step(1);
    await inject('worker 1 SIGKILLed and restarted again', () => stack.killAndRestartWorker('worker'));
    await step(1);
    if (stack.processes.worker2)
      await inject('worker 2 SIGKILLed and restarted again', () => stack.killAndRestartWorker('worker2'));
    await erpBack;
  })();

  const connection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection, dataConverter: dataConverterFrom(stack.env) });
  try {
    const settledStates = new Map<string, OrderStatus>();
    const settle = async (deadlineMs: number) => {
      for (;;) {
        for (const o of paid) {
          if (settledStates.has(o.incrementId!)) continue;
          const status = await client.workflow
            .getHandle(orderWorkflowId(o.incrementId!))
            .query<OrderStatus>('status')
            .catch(() => undefined);
          if (
            status &&
            finalStates.includes(status.syncState) &&
            (status.syncState !== 'needs_review' || Date.now() > deadlineMs - 60_000)
          ) {
            settledStates.set(o.incrementId!, status);
          }
        }
        if (settledStates.size === paid.length) return;
        if (Date.now() > deadlineMs) throw new Error(`${paid.length - settledStates.size} paid orders never settled`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    };
    await timeline;
    await inject('Magento faults off', () =>
      axios.put(`${stack.urls.magento}/__sandbox/faults`, { rate429: 0, rate5xx: 0, latencyMs: 0 }),
    );
    await settle(Date.now() + 900_000);
    log(`[${at()} s] every paid order settled`);

    // Refunds of a third on some completed orders, delivered through the same duplicating, shuffling Stripe.
    const completed = paid
      .filter((o) => settledStates.get(o.incrementId!)?.syncState === 'completed')
      .slice(0, options.refunds);
    const refunds: Array<{ order: OrderOutcome; refundId: string; amountMinor: number }> = [];
    for (const order of completed) {
      const amountMinor = Math.max(1, Math.floor(order.grandTotalMinor / 3));
      const refund = await stripe.refunds.create({ payment_intent: order.paymentIntentId!, amount: amountMinor });
      refunds.push({ order, refundId: refund.id, amountMinor });
    }
    if (refunds.length > 0) await inject(`${refunds.length} partial refunds made in Stripe`, async () => undefined);
    for (const { refundId } of refunds) {
      for (const deadline = Date.now() + 300_000; ;) {
        const done = await client.workflow
          .getHandle(refundWorkflowId(refundId))
          .describe()
          .then(
            (d) => d.status.name !== 'RUNNING',
            () => false,
          );
        if (done) break;
        if (Date.now() > deadline) throw new Error(`refund ${refundId} not recorded within 5 minutes`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }

    // The sandboxes' own records.
    const lost: string[] = [];
    const duplicated: string[] = [];
    const withoutCause: string[] = [];
    for (const o of summary.outcomes) {
      const id = o.incrementId!;
      const state = settledStates.get(id)?.syncState;
      const invoices = (await magento.listInvoices(o.entityId!)).total_count;
      const shipments = (await magento.listShipments(o.entityId!)).total_count;
      const salesOrders = await erp.listDocs<{ docstatus: number }>('Sales Order', {
        filters: [
          ['po_no', '=', id],
          ['docstatus', '=', 1],
        ],
        fields: ['docstatus'],
        limit: 0,
      });
      const salesInvoices = await erp.listDocs('Sales Invoice', {
        filters: [
          ['po_no', '=', id],
          ['docstatus', '=', 1],
          ['is_return', '=', 0],
        ],
        fields: ['name'],
        limit: 0,
      });
      const wmsOrder = await wms.findByReferenceId(id);
      const wmsCount = wmsOrder ? 1 : 0;
      const counts = `invoices ${invoices}, shipments ${shipments}, ERP orders ${salesOrders.length}, ERP invoices ${salesInvoices.length}, WMS ${wmsCount}`;
      if (o.result !== 'paid') {
        if (invoices + shipments + salesOrders.length + salesInvoices.length + wmsCount > 0)
          withoutCause.push(`${id} (${o.result}): ${counts}`);
        continue;
      }
      if (invoices > 1 || shipments > 1 || salesOrders.length > 1 || salesInvoices.length > 1)
        duplicated.push(`${id}: ${counts}`);
      if (
        state === 'completed' &&
        (invoices !== 1 || shipments !== 1 || salesOrders.length !== 1 || salesInvoices.length !== 1 || wmsCount !== 1)
      )
        lost.push(`${id}: ${counts}`);
    }
    const mismatched: string[] = [];
    for (const { order, refundId, amountMinor } of refunds) {
      const memos = (await magento.listCreditMemos(order.entityId!)).items;
      const forRefund = memos.filter((m) => JSON.stringify(m.comments ?? []).includes(refundId));
      const total = forRefund.reduce((sum, m) => sum + toMinor(m.grand_total ?? 0, order.currency), 0);
      if (forRefund.length !== 1 || total !== amountMinor)
        mismatched.push(`${order.incrementId}: ${forRefund.length} memos for ${refundId}, ${total} of ${amountMinor}`);
    }
    const { count: failedRuns } = await client.workflow.count(
      // A logged-out operator session's run is terminated by design (docs/security.md): not a fault.
      `(ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated') AND WorkflowType != '${operatorSessionWorkflowType}'`,
    );
    const deliveries = (await axios.get<Array<{ duplicates: number }>>(`${stack.urls.stripe}/__sandbox/deliveries`))
      .data;
    const states = [...settledStates.values()];
    return {
      injected,
      orders: {
        placed: summary.placed,
        paid: paid.length,
        declined: summary.declined,
        completed: states.filter((s) => s.syncState === 'completed').length,
        compensated: states.filter((s) => s.syncState === 'compensated').length,
        held: states.filter((s) => s.syncState === 'fraud_hold').length,
        parked: states.filter((s) => s.syncState === 'needs_review').length,
      },
      deliveries: { events: deliveries.length, duplicatesSent: deliveries.reduce((sum, d) => sum + d.duplicates, 0) },
      lost,
      duplicated,
      withoutCause,
      refunds: { made: refunds.length, memosMatching: refunds.length - mismatched.length, mismatched },
      failedRuns,
      parkedReasons: states
        .filter((s) => s.syncState === 'needs_review')
        .map((s) => `${s.incrementId}: ${s.reviewReason ?? 'no reason'}`),
      seconds: at(),
    };
  } finally {
    await connection.close();
  }
}
