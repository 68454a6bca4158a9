import type { OrderPage, Unread } from '../../api/orderPage';
import { formatMoney } from '../../domain/money';

const isUnread = (value: unknown): value is Unread => typeof value === 'object' && value !== null && 'error' in value;

/** `npm run ops -- order <increment id>`: the order page as lines a person reads, money in the order's currency. */
export function orderPageLines(page: OrderPage): string[] {
  const { documents: docs, money } = page;
  const currency = money.currency ?? 'XXX';
  const amount = (minor: number | null | undefined, inCurrency = currency) =>
    minor === null || minor === undefined ? '?' : formatMoney(minor, inCurrency);
  // The ERP books what reached the Stripe balance: in Stripe's settlement currency when that is not the order's.
  const settled = money.erpPaymentsCurrency ?? currency;
  const lines: string[] = [];
  const section = (title: string) => lines.push('', title);
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(9)} ${text}`);
  const more = (text: string) => lines.push(`  ${''.padEnd(9)} ${text}`);
  const listed = (label: string, entries: string[], none: string) => {
    if (entries.length === 0) return void row(label, none);
    entries.forEach((entry, i) => (i === 0 ? row(label, entry) : more(entry)));
  };

  const magento = docs.magento;
  lines.push(
    `Order ${page.incrementId}` +
      (magento && !isUnread(magento)
        ? `: Magento ${magento.state} (entity ${magento.entityId}), ${formatMoney(magento.grandTotalMinor, magento.currency)}`
        : ''),
  );

  section('Runs');
  if (page.runs.length === 0)
    lines.push(
      '  none in Temporal (its retention may have passed): the documents below come from the systems themselves',
    );
  for (const run of page.runs) {
    const state = [
      run.status,
      run.syncState && run.syncState !== run.status ? run.syncState : undefined,
      run.step && run.step !== run.outcome ? `at ${run.step}` : undefined,
      run.outcome ? `→ ${run.outcome}` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(`  ${run.workflowId}  (${run.type})  ${state}`);
    if (run.reviewReason && run.syncState === 'needs_review') lines.push(`      parked: ${run.reviewReason}`);
    if (run.note) lines.push(`      note: ${run.note}`);
    lines.push(`      ${run.webUiUrl}`);
  }

  section('Documents');
  if (isUnread(magento)) row('Magento', magento.error);
  else if (!magento) row('Magento', 'no such order');
  else {
    listed(
      'Magento',
      [
        ...magento.invoices.map(
          (i) =>
            `invoice ${i.id}${i.incrementId ? ` (#${i.incrementId})` : ''}  ${amount(i.grandTotalMinor)}${i.chargeId ? `  ${i.chargeId}` : ''}`,
        ),
        ...magento.shipments.map(
          (s) => `shipment ${s.id}${s.tracks.map((t) => `  ${t.carrier ?? ''} ${t.number ?? ''}`.trimEnd()).join(',')}`,
        ),
        ...magento.creditMemos.map(
          (m) =>
            `credit memo ${m.id}${m.incrementId ? ` (#${m.incrementId})` : ''}  ${amount(m.grandTotalMinor)}${(m.refundId ?? m.disputeId) ? `  ${m.refundId ?? m.disputeId}` : ''}`,
        ),
      ],
      'no invoice, shipment or credit memo',
    );
  }
  const erp = docs.erp;
  if (isUnread(erp)) row('ERP', erp.error);
  else {
    const state = (d: { docstatus: number; status?: string }) =>
      d.docstatus === 2 ? 'cancelled' : d.docstatus === 0 ? 'draft' : (d.status ?? 'submitted');
    listed(
      'ERP',
      [
        ...erp.salesOrders.map((d) => `Sales Order ${d.name}  ${state(d)}  ${amount(d.grandTotalMinor)}`),
        ...erp.salesInvoices.map(
          (d) =>
            `Sales Invoice ${d.name}  ${state(d)}  ${amount(d.grandTotalMinor)}  outstanding ${amount(d.outstandingMinor)}`,
        ),
        ...erp.creditNotes.map(
          (d) =>
            `credit note ${d.name}  ${state(d)}  ${amount(d.grandTotalMinor)}${d.refundId ? `  ${d.refundId}` : ''}`,
        ),
        ...erp.paymentEntries.map(
          (d) =>
            `Payment Entry ${d.name}  ${d.paymentType}  ${state(d)}  ${amount(d.amountMinor)}${d.referenceNo ? `  ${d.referenceNo}` : ''}`,
        ),
      ],
      'no documents',
    );
  }
  const wms = docs.wms;
  if (isUnread(wms)) row('WMS', wms.error);
  else if (!wms) row('WMS', 'no order');
  else
    listed(
      'WMS',
      [
        `order ${wms.orderId}  ${wms.status}`,
        ...wms.shipments.map(
          (s) =>
            `shipment ${s.id}  ${s.status}${s.trackingNumber ? `  ${s.carrier ?? ''} ${s.trackingNumber}` : ''}` +
            (s.deliveredAt ? `  delivered ${s.deliveredAt}` : ''),
        ),
      ],
      '',
    );
  const stripe = docs.stripe;
  if (isUnread(stripe)) row('Stripe', stripe.error);
  else {
    listed(
      'Stripe',
      [
        ...stripe.paymentIntents.map((p) => `PaymentIntent ${p.id}  ${p.status}  ${amount(p.amountMinor)}`),
        ...stripe.charges.map(
          (c) =>
            `charge ${c.id}  ${c.status}, captured ${amount(c.capturedMinor)}, refunded ${amount(c.refundedMinor)}${c.disputed ? ', disputed' : ''}`,
        ),
        ...stripe.refunds.map(
          (r) =>
            `refund ${r.id}  ${r.status}  ${amount(r.amountMinor)}${r.failureReason ? ` (${r.failureReason})` : ''}`,
        ),
        ...stripe.disputes.map(
          (d) => `dispute ${d.id}  ${d.status}  ${amount(d.amountMinor)}, fee ${amount(d.feeMinor)}`,
        ),
      ],
      'no payment found',
    );
  }

  section(`Money (${currency}, from Stripe: what it kept, against what each system booked)`);
  lines.push(
    `  paid ${amount(money.paidMinor)} · refunded ${amount(money.refundedMinor)} · disputed ${amount(money.disputedMinor)}` +
      ` (fees ${amount(money.disputeFeesMinor)}) · pending refunds ${amount(money.pendingRefundsMinor)} · kept ${amount(money.netMinor)}`,
  );
  row(
    'Magento',
    `invoiced ${amount(money.invoicedInMagentoMinor)}, credited ${amount(money.creditedInMagentoMinor)}  →  balance ${amount(money.balanceMinor)}`,
  );
  row(
    'ERP',
    `invoiced ${amount(money.invoicedInErpMinor)}, credited ${amount(money.creditedInErpMinor)}  →  balance ${amount(money.erpBalanceMinor)}`,
  );
  row(
    'ERP cash',
    `received ${amount(money.receivedInErpMinor, settled)}, paid back ${amount(money.paidBackInErpMinor, settled)}  →  balance ${amount(money.erpPaymentsBalanceMinor, settled)}`,
  );
  if (money.explanations.length === 0) lines.push('  every balance is zero: Stripe, Magento and the ERP agree');
  for (const explanation of money.explanations) lines.push(`  - ${explanation}`);
  return lines;
}
