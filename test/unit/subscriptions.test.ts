import fc from 'fast-check';
import { MappingError } from '../../domain/fulfilment';
import { toMinor } from '../../domain/money';
import { orderSnapshotOf } from '../../domain/orderSnapshot';
import type { MagentoOrder } from '../../domain/magento';
import { allocate, renewalOrderDecision, renewalOrderFor, type InvoiceSnapshot } from '../../domain/subscriptions';

const invoice = (lines: InvoiceSnapshot['lines'], totalMinor: number, currency = 'USD'): InvoiceSnapshot => ({
  invoiceId: 'in_1',
  customerEmail: 'grace@example.com',
  customerName: 'Grace Hopper',
  status: 'paid',
  currency,
  subtotalMinor: 0,
  totalMinor,
  amountPaidMinor: totalMinor,
  amountDueMinor: totalMinor,
  attemptCount: 1,
  createdAt: '2026-11-30T00:00:00Z',
  lines,
  shipTo: { name: 'Grace Hopper', line1: '1 Navy Yard', city: 'Arlington', postalCode: '22202', country: 'US' },
});
const line = (sku: string, amountMinor: number, extra: Partial<InvoiceSnapshot['lines'][number]> = {}) => ({
  description: sku,
  sku,
  quantity: 1,
  amountMinor,
  discountMinor: 0,
  taxMinor: 0,
  taxInclusive: false,
  proration: false,
  shipping: false,
  ...extra,
});

describe('a subscription invoice as a Magento renewal order', () => {
  it('splits a total over weights exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 8 }),
        (total, weights) => {
          const parts = allocate(total, weights);
          return parts.reduce((s, p) => s + p, 0) === total && parts.every((p) => Number.isInteger(p) && p >= 0);
        },
      ),
    );
  });

  it('makes an order whose grand total, and whose ERP mapping, equal the invoice: proration credit spread as discount, tax and delivery kept', () => {
    const order = renewalOrderFor(
      invoice(
        [
          line('BOX-L', 8_660, { discountMinor: 1_299, taxMinor: 736, proration: true }),
          line('BOX', -4_900, { discountMinor: -735, taxMinor: -417, proration: true }),
          line('DELIVERY', 7_480, { shipping: true }),
        ],
        10_995,
        'KWD',
      ),
      { ordersForZeroInvoices: false, storeId: 1 },
    );
    expect(order).toMatchObject({
      ext_order_id: 'in_1',
      order_currency_code: 'KWD',
      grand_total: 10.995,
      shipping_amount: 7.48,
    });
    const snapshot = orderSnapshotOf({
      ...(order as unknown as MagentoOrder),
      entity_id: 1,
      increment_id: 'R1',
      state: 'new',
      status: 'pending',
    });
    const erpTotal = snapshot.lines.reduce((s, l) => s + l.rowMinor, 0) + snapshot.shippingMinor + snapshot.taxMinor;
    expect(erpTotal).toBe(10_995);
    expect(toMinor(order.grand_total as number, 'KWD')).toBe(10_995);
  });

  it('refuses an invoice its lines do not add up to, or with nothing to ship, as a mapping error (the run parks)', () => {
    expect(() =>
      renewalOrderFor(invoice([line('BOX', 2_000)], 2_100), { ordersForZeroInvoices: false, storeId: 1 }),
    ).toThrow(/lines make 20\.00 USD but the invoice totals 21\.00 USD/);
    expect(() =>
      renewalOrderFor(invoice([line('DELIVERY', 500, { shipping: true })], 500), {
        ordersForZeroInvoices: false,
        storeId: 1,
      }),
    ).toThrow(MappingError);
  });

  it("orders a zero-amount invoice's free lines when such invoices make orders", () => {
    const order = renewalOrderFor(invoice([line('BOX', 0)], 0), { ordersForZeroInvoices: true, storeId: 1 });
    expect(order).toMatchObject({ grand_total: 0, items: [expect.objectContaining({ sku: 'BOX', qty_ordered: 1 })] });
  });
});

describe('which paid subscription invoices become Magento orders (subscriptions.orderFor, ordersForZeroInvoices)', () => {
  const paid = (billingReason: string | undefined, totalMinor: number) => ({
    ...(billingReason ? { billingReason } : {}),
    totalMinor,
    currency: 'USD',
  });
  const renewalsOnly = { orderFor: 'renewals', ordersForZeroInvoices: false } as const;
  const all = { orderFor: 'all', ordersForZeroInvoices: false } as const;

  it.each(['subscription_create', 'subscription_cycle', 'subscription_threshold', undefined])(
    'a period of the subscription (%s) makes an order either way',
    (reason) => {
      expect(renewalOrderDecision(paid(reason, 2_400), renewalsOnly)).toEqual({ order: true });
      expect(renewalOrderDecision(paid(reason, 2_400), all)).toEqual({ order: true });
    },
  );

  it('a plan change (proration) or an invoice added by hand makes one only with orderFor: all', () => {
    for (const reason of ['subscription_update', 'manual']) {
      expect(renewalOrderDecision(paid(reason, 1_234), renewalsOnly)).toEqual({
        order: false,
        reason: `not a renewal (${reason}) and subscriptions.orderFor is renewals`,
      });
      expect(renewalOrderDecision(paid(reason, 1_234), all)).toEqual({ order: true });
    }
  });

  it('a zero invoice makes one only with ordersForZeroInvoices; a credit (negative total) never does', () => {
    expect(renewalOrderDecision(paid('subscription_create', 0), all)).toMatchObject({ order: false });
    expect(
      renewalOrderDecision(paid('subscription_create', 0), { ...renewalsOnly, ordersForZeroInvoices: true }),
    ).toEqual({
      order: true,
    });
    expect(
      renewalOrderDecision(paid('subscription_update', -900), { orderFor: 'all', ordersForZeroInvoices: true }),
    ).toEqual({
      order: false,
      reason: "a credit of 9.00 USD to the customer's balance: nothing to ship",
    });
  });
});
