import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import type { ErpClient } from '../integrations/erp/client';
import { erpBooks, readErpDocuments, type ErpOrderDocuments } from '../integrations/erp/orderDocuments';
import type { MagentoClient } from '../integrations/magento/client';
import { magentoBooks, readMagentoDocuments, type MagentoOrderDocuments } from '../integrations/magento/orderDocuments';
import { readStripePayments, type StripeOrderPayments } from '../integrations/stripe/orderPayments';
import type { WmsClient } from '../integrations/wms/client';
import { readWmsDocuments, type WmsOrderDocuments } from '../integrations/wms/orderDocuments';
import { connectionVariables } from '../config/connections';
import { orderWorkflowId } from '../domain/eventRouting';
import { orderLedger, type LedgerContext, type LedgerInput, type OrderMoney } from '../domain/orderLedger';
import { findIntakeRuns, findOrderRuns, type RunLookupOptions, type RunView } from './orderRuns';

/** The systems the API reads an order's documents from; one left out is not configured for the API. */
export interface OrderSystems {
  magento?: MagentoClient;
  erp?: ErpClient;
  wms?: WmsClient;
  stripe?: Stripe;
}

export interface OrderPageDeps extends RunLookupOptions {
  temporal: Client;
  systems: OrderSystems;
}

/** A system's answer, or why there is none. */
export type Unread = { error: string };

/** `GET /admin/orders/:incrementId`: every run, document and money movement of one order. */
export interface OrderPage {
  incrementId: string;
  /** Oldest first: the order's run, its intake runs, refund and dispute runs. */
  runs: RunView[];
  documents: {
    /** null: Magento has no such order. */
    magento: MagentoOrderDocuments | null | Unread;
    erp: ErpOrderDocuments | Unread;
    /** null: the WMS has no order with this reference. */
    wms: WmsOrderDocuments | null | Unread;
    stripe: Omit<StripeOrderPayments, 'notes'> | Unread;
  };
  money: OrderMoney;
}

export type OrderPageAnswer =
  { kind: 'page'; page: OrderPage } | { kind: 'not_found' } | { kind: 'unknown'; reason: string };

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

const systemNames: Record<keyof OrderSystems, string> = {
  magento: 'Magento',
  erp: 'the ERP',
  wms: 'the WMS',
  stripe: 'Stripe',
};

async function read<K extends keyof OrderSystems, T>(
  systems: OrderSystems,
  key: K,
  fn: (client: NonNullable<OrderSystems[K]>) => Promise<T>,
): Promise<Read<T>> {
  const client = systems[key];
  if (!client)
    return { ok: false, error: `${systemNames[key]} is not configured for the API (${connectionVariables[key]})` };
  try {
    return { ok: true, value: await fn(client as NonNullable<OrderSystems[K]>) };
  } catch (err) {
    return {
      ok: false,
      error: `${systemNames[key]} could not be read: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

const unique = (values: Array<string | number | undefined>): string[] => [
  ...new Set(values.filter((v): v is string => typeof v === 'string' && v !== '')),
];

/**
 * Looks the order up everywhere: its runs in Temporal, then Magento and the WMS, then Stripe (from the ids the runs and
 * Magento's documents name, so it works after Temporal's retention too), then the ERP (its payments carry Stripe ids).
 */
export async function orderPage(deps: OrderPageDeps, incrementId: string): Promise<OrderPageAnswer> {
  const { systems } = deps;
  const runs = await findOrderRuns(deps.temporal, incrementId, deps);
  const [magento, wms] = await Promise.all([
    read(systems, 'magento', (c) => readMagentoDocuments(c, incrementId)),
    read(systems, 'wms', (c) => readWmsDocuments(c, incrementId)),
  ]);
  if (runs.length === 0 && magento.ok && !magento.value) return { kind: 'not_found' };
  if (runs.length === 0 && !magento.ok)
    return { kind: 'unknown', reason: `Temporal has no run of order ${incrementId}, and ${magento.error}` };

  const runIds = runs.map((r) => r.ids);
  const invoices = magento.ok ? (magento.value?.invoices ?? []) : [];
  const memos = magento.ok ? (magento.value?.creditMemos ?? []) : [];
  const refundRunIds = runs.filter((r) => r.type === 'refund').map((r) => r.workflowId.replace(/^refund:/, ''));
  const stripe = await read(systems, 'stripe', (c) =>
    readStripePayments(c, {
      incrementId,
      paymentIntentIds: unique([
        ...runIds.map((ids) => ids.paymentIntentId),
        ...invoices.map((i) => i.paymentIntentId),
      ]),
      chargeIds: unique([...runIds.map((ids) => ids.chargeId), ...invoices.map((i) => i.chargeId)]),
      refundIds: unique([...refundRunIds, ...memos.map((m) => m.refundId)]),
    }),
  );
  const payments = stripe.ok ? stripe.value : undefined;
  const stripeIds = payments
    ? [...payments.charges.map((c) => c.id), ...payments.refunds.map((r) => r.id)]
    : unique(runIds.map((ids) => ids.chargeId));
  const currency = magento.ok ? magento.value?.currency : undefined;
  const erp = await read(systems, 'erp', (c) =>
    readErpDocuments(c, incrementId, stripeIds, currency ?? payments?.charges[0]?.currency),
  );
  if (magento.ok && magento.value && payments) linkStaffMemos(magento.value, payments);

  const intakeRuns = payments
    ? await findIntakeRuns(
        deps.temporal,
        [...payments.paymentIntents.map((p) => p.id), ...stripeIds, ...payments.disputes.map((d) => d.id)],
        deps,
      ).catch(() => [])
    : [];
  const allRuns = [...runs, ...intakeRuns].sort((a, b) => a.startedAt.localeCompare(b.startedAt));

  const books: LedgerInput['books'] = {};
  if (magento.ok) books.magento = magento.value ? magentoBooks(magento.value) : [];
  if (erp.ok) Object.assign(books, { erp: erpBooks(erp.value).books, erp_payments: erpBooks(erp.value).payments });
  const money = orderLedger({
    ...(currency ? { currency } : {}),
    ...(payments
      ? { stripe: { charges: payments.charges, refunds: payments.refunds, disputes: payments.disputes } }
      : {}),
    books,
    context: contextOf(incrementId, runs, magento, wms, erp),
  });
  const notes = [
    ...(payments?.notes ?? []),
    ...[magento, erp, wms, stripe].flatMap((r) => (r.ok ? [] : [`${r.error}: its documents and balance are left out`])),
  ];
  money.explanations.push(...notes);

  const documentOf = <T>(r: Read<T>): T | Unread => (r.ok ? r.value : { error: r.error });
  return {
    kind: 'page',
    page: {
      incrementId,
      runs: allRuns,
      documents: {
        magento: magento.ok ? (magento.value ?? null) : { error: magento.error },
        erp: documentOf(erp),
        wms: wms.ok ? (wms.value ?? null) : { error: wms.error },
        stripe: payments
          ? {
              paymentIntents: payments.paymentIntents,
              charges: payments.charges,
              refunds: payments.refunds,
              disputes: payments.disputes,
            }
          : { error: (stripe as { error: string }).error },
      },
      money,
    },
  };
}

/** A refund made from a staff credit memo names that memo in its metadata; the memo's comment does not name the refund. */
function linkStaffMemos(magento: MagentoOrderDocuments, payments: StripeOrderPayments): void {
  for (const refund of payments.refunds) {
    const memo = magento.creditMemos.find((m) => String(m.id) === refund.magentoCreditMemoId);
    if (memo && !memo.refundId) memo.refundId = refund.id;
  }
}

function contextOf(
  incrementId: string,
  runs: RunView[],
  magento: Read<MagentoOrderDocuments | undefined>,
  wms: Read<WmsOrderDocuments | undefined>,
  erp: Read<ErpOrderDocuments>,
): LedgerContext {
  const orderRun = runs.find((r) => r.workflowId === orderWorkflowId(incrementId));
  const shippedInMagento = magento.ok && (magento.value?.shipments.length ?? 0) > 0;
  const shippedInWms = wms.ok && (wms.value?.shipments.some((s) => s.trackingNumber) ?? false);
  const salesOrders = erp.ok ? erp.value.salesOrders : [];
  return {
    ...(orderRun?.step ? { orderStep: orderRun.step } : {}),
    ...(orderRun?.outcome ? { orderOutcome: orderRun.outcome } : {}),
    shipped: shippedInMagento || shippedInWms,
    erpSalesOrderCancelled: salesOrders.length > 0 && salesOrders.every((so) => so.docstatus === 2),
    refundRuns: Object.fromEntries(
      runs
        .filter((r) => r.type === 'refund')
        .map((r) => [
          r.workflowId.replace(/^refund:/, ''),
          {
            ...(r.step ? { step: r.step } : {}),
            ...(r.syncState === 'needs_review' && r.reviewReason ? { reviewReason: r.reviewReason } : {}),
          },
        ]),
    ),
  };
}
