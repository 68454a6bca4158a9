import fc from 'fast-check';
import {
  orderLedger,
  type BookedDocument,
  type LedgerCharge,
  type LedgerDispute,
  type LedgerInput,
  type LedgerRefund,
  type LedgerSystem,
} from '../../domain/orderLedger';

const charge = (id: string, amountMinor: number, capturedMinor = amountMinor): LedgerCharge => ({
  id,
  currency: 'USD',
  amountMinor,
  capturedMinor,
  status: 'succeeded',
});
const refund = (id: string, amountMinor: number, status: LedgerRefund['status'] = 'succeeded'): LedgerRefund => ({
  id,
  currency: 'USD',
  amountMinor,
  status,
});
const doc = (label: string, direction: 'in' | 'out', amountMinor: number, stripeRef?: string): BookedDocument => ({
  label,
  direction,
  amountMinor,
  currency: 'USD',
  ...(stripeRef ? { stripeRef } : {}),
});

/** A 50.00 USD order, shipped, with a 10.00 USD refund booked everywhere. */
function bookedEverywhere(): LedgerInput {
  return {
    currency: 'USD',
    stripe: { charges: [charge('ch_1', 5000)], refunds: [refund('re_1', 1000)], disputes: [] },
    books: {
      magento: [doc('Magento invoice 1', 'in', 5000, 'ch_1'), doc('credit memo 1', 'out', 1000, 're_1')],
      erp: [doc('ERP Sales Invoice SINV-1', 'in', 5000), doc('ERP credit note SINV-2', 'out', 1000, 're_1')],
      erp_payments: [
        doc('ERP Payment Entry PAY-1', 'in', 5000, 'ch_1'),
        doc('ERP Payment Entry PAY-2', 'out', 1000, 're_1'),
      ],
    },
    context: { shipped: true, orderOutcome: 'completed', orderStep: 'completed' },
  };
}

describe('the money of one order, as Stripe, Magento and the ERP see it', () => {
  it('balances to zero when every system booked the payment and the refund', () => {
    const money = orderLedger(bookedEverywhere());
    expect(money).toMatchObject({
      currency: 'USD',
      paidMinor: 5000,
      refundedMinor: 1000,
      disputedMinor: 0,
      netMinor: 4000,
      invoicedInMagentoMinor: 5000,
      creditedInMagentoMinor: 1000,
      invoicedInErpMinor: 5000,
      creditedInErpMinor: 1000,
      receivedInErpMinor: 5000,
      paidBackInErpMinor: 1000,
      balanceMinor: 0,
      erpBalanceMinor: 0,
      erpPaymentsBalanceMinor: 0,
      differences: [],
    });
    expect(money.explanations).toEqual([]);
  });

  it('explains a refund that is pending in Stripe but already has its credit memo', () => {
    const input = bookedEverywhere();
    input.stripe!.refunds = [refund('re_1', 1000, 'pending')];
    input.books.erp = input.books.erp!.slice(0, 1);
    input.books.erp_payments = input.books.erp_payments!.slice(0, 1);
    const money = orderLedger(input);
    expect(money).toMatchObject({
      refundedMinor: 0,
      pendingRefundsMinor: 1000,
      netMinor: 5000,
      balanceMinor: 1000,
      erpBalanceMinor: 0,
    });
    expect(money.explanations).toEqual([
      'Magento +10.00 USD: credit memo 1 (10.00 USD) records refund re_1, which is pending in Stripe: the customer is not paid back yet',
      'refund re_1 (10.00 USD) is pending in Stripe: it is booked once it succeeds',
    ]);
  });

  it('explains a credit memo that no Stripe refund backs', () => {
    const input = bookedEverywhere();
    input.books.magento!.push(doc('credit memo 5', 'out', 700));
    const money = orderLedger(input);
    expect(money.balanceMinor).toBe(700);
    expect(money.explanations).toEqual(['Magento +7.00 USD: credit memo 5 (7.00 USD) has no Stripe refund']);
  });

  it('says the ERP invoice is not created yet while the order has not shipped', () => {
    const money = orderLedger({
      currency: 'USD',
      stripe: { charges: [charge('ch_1', 5000)], refunds: [], disputes: [] },
      books: { magento: [doc('Magento invoice 1', 'in', 5000)], erp: [], erp_payments: [] },
      context: { shipped: false, orderStep: 'awaiting_shipment' },
    });
    expect(money).toMatchObject({ balanceMinor: 0, erpBalanceMinor: 5000, erpPaymentsBalanceMinor: 5000 });
    expect(money.explanations).toEqual([
      'ERP +50.00 USD: charge ch_1 (50.00 USD) was captured in Stripe, but the ERP has no Sales Invoice for it: ERP invoice not yet created: order not shipped',
      'ERP payments +50.00 USD: charge ch_1 (50.00 USD) was captured in Stripe, but the ERP has no Payment Entry receiving it: ERP invoice not yet created: order not shipped',
    ]);
  });

  it('names the refund run that is parked before the ERP has paid the customer back', () => {
    const input = bookedEverywhere();
    input.books.erp_payments = input.books.erp_payments!.slice(0, 1);
    input.context!.refundRuns = {
      re_1: {
        step: 'credit_memo',
        reviewReason: 'Erp: 417 Allocated Amount cannot be greater than outstanding amount.',
      },
    };
    const money = orderLedger(input);
    expect(money.erpPaymentsBalanceMinor).toBe(-1000);
    expect(money.explanations).toEqual([
      'ERP payments -10.00 USD: refund re_1 (10.00 USD) succeeded in Stripe, but the ERP has no Payment Entry paying it back ' +
        '(its run is parked at "credit_memo": Erp: 417 Allocated Amount cannot be greater than outstanding amount.)',
    ]);
  });

  it('counts a lost dispute as money out, with its fee, and explains where it is not booked', () => {
    const input = bookedEverywhere();
    const dispute: LedgerDispute = { id: 'dp_1', currency: 'USD', amountMinor: 4000, feeMinor: 1500, status: 'lost' };
    input.stripe!.disputes = [dispute];
    const money = orderLedger(input);
    expect(money).toMatchObject({ disputedMinor: 4000, disputeFeesMinor: 1500, netMinor: 0, balanceMinor: -4000 });
    expect(money.explanations).toContain(
      'Magento -40.00 USD: dispute dp_1 (40.00 USD) was lost: Stripe took the amount back, but Magento has no credit memo for it',
    );
    expect(money.explanations).toContain('dispute dp_1 was lost: 40.00 USD taken back, dispute fee 15.00 USD');
  });

  it('pairs an invoice with a charge of another amount and says by how much they differ', () => {
    const money = orderLedger({
      currency: 'USD',
      stripe: { charges: [charge('ch_1', 5000)], refunds: [], disputes: [] },
      books: { magento: [doc('Magento invoice 1', 'in', 4999)] },
    });
    expect(money.explanations).toEqual([
      'Magento +0.01 USD: Magento invoice 1 is for 49.99 USD but charge ch_1 captured 50.00 USD',
    ]);
  });

  it('says a credit memo records a refund twice', () => {
    const input = bookedEverywhere();
    input.books.magento!.push(doc('credit memo 2', 'out', 1000, 're_1'));
    expect(orderLedger(input).explanations).toEqual([
      'Magento +10.00 USD: credit memo 2 (10.00 USD) records refund re_1 again: credit memo 1 already records it',
    ]);
  });

  it('leaves a system it could not read out of the comparison, and compares nothing without Stripe', () => {
    const input = bookedEverywhere();
    delete input.books.erp;
    expect(orderLedger(input)).toMatchObject({ balanceMinor: 0, erpBalanceMinor: null, invoicedInErpMinor: null });
    expect(orderLedger({ ...input, stripe: undefined })).toMatchObject({
      paidMinor: null,
      netMinor: null,
      balanceMinor: null,
      differences: [],
    });
  });

  it('keeps another currency out of the balances and says so', () => {
    const input = bookedEverywhere();
    input.stripe!.charges.push({
      id: 'ch_eur',
      currency: 'eur',
      amountMinor: 100,
      capturedMinor: 100,
      status: 'succeeded',
    });
    const money = orderLedger(input);
    expect(money.paidMinor).toBe(5000);
    expect(money.explanations).toEqual(['ch_eur is in EUR, the order in USD: left out of the balances']);
  });
});

// ── Properties ─────────────────────────────────────────────────────────────────────────────────────

const amount = fc.integer({ min: 1, max: 10_000_000 });
const ids = (prefix: string) => fc.integer({ min: 1, max: 4 }).map((n) => `${prefix}_${n}`);
const anyCharge = fc
  .record({
    id: ids('ch'),
    currency: fc.constant('USD'),
    amountMinor: amount,
    captured: fc.boolean(),
    status: fc.constantFrom('succeeded' as const, 'failed' as const),
  })
  .map(({ captured, ...c }): LedgerCharge => ({
    ...c,
    capturedMinor: captured && c.status === 'succeeded' ? c.amountMinor : 0,
  }));
const anyRefund = fc.record({
  id: ids('re'),
  currency: fc.constant('USD'),
  amountMinor: amount,
  status: fc.constantFrom(
    'pending' as const,
    'requires_action' as const,
    'succeeded' as const,
    'failed' as const,
    'canceled' as const,
  ),
  reversesOrder: fc.boolean(),
});
const anyDispute = fc.record({
  id: ids('dp'),
  currency: fc.constant('USD'),
  amountMinor: amount,
  feeMinor: fc.integer({ min: -1500, max: 1500 }),
  status: fc.constantFrom('needs_response', 'under_review', 'won', 'lost'),
});
const anyDoc = fc
  .record({
    label: fc.string({ minLength: 1, maxLength: 8 }),
    direction: fc.constantFrom('in' as const, 'out' as const),
    amountMinor: amount,
    currency: fc.constant('USD'),
    stripeRef: fc.option(fc.oneof(ids('ch'), ids('re'), ids('dp')), { nil: undefined }),
  })
  .map(({ stripeRef, ...d }): BookedDocument => (stripeRef ? { ...d, stripeRef } : d));
const uniqueBy = <T extends { id: string }>(arb: fc.Arbitrary<T>) =>
  fc.uniqueArray(arb, { selector: (x) => x.id, maxLength: 4 });
const anyInput: fc.Arbitrary<LedgerInput> = fc
  .record({
    stripe: fc.record({ charges: uniqueBy(anyCharge), refunds: uniqueBy(anyRefund), disputes: uniqueBy(anyDispute) }),
    books: fc.record({
      magento: fc.array(anyDoc, { maxLength: 6 }),
      erp: fc.array(anyDoc, { maxLength: 6 }),
      erp_payments: fc.array(anyDoc, { maxLength: 6 }),
    }),
    context: fc.record({
      shipped: fc.boolean(),
      orderStep: fc.constantFrom('awaiting_shipment', 'completed'),
      orderOutcome: fc.option(fc.constantFrom('completed', 'compensated'), { nil: undefined }),
    }),
  })
  .map((input) => ({ currency: 'USD', ...input }));

const balanceField = {
  magento: 'balanceMinor',
  erp: 'erpBalanceMinor',
  erp_payments: 'erpPaymentsBalanceMinor',
} as const;

describe('the order ledger, for any facts', () => {
  it('explains every balance exactly: the differences against a system add up to its balance, and none is zero', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const money = orderLedger(input);
        for (const system of Object.keys(balanceField) as LedgerSystem[]) {
          const explained = money.differences
            .filter((d) => d.against === system)
            .reduce((t, d) => t + d.amountMinor, 0);
          expect(explained).toBe(money[balanceField[system]]);
        }
        expect(money.differences.every((d) => d.amountMinor !== 0 && d.explanation.length > 0)).toBe(true);
        expect(money.explanations.length).toBeGreaterThanOrEqual(money.differences.length);
      }),
      { numRuns: 500 },
    );
  });

  it('computes each balance as what Stripe kept less what the system booked, all in integers', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const money = orderLedger(input);
        expect(money.netMinor).toBe(money.paidMinor! - money.refundedMinor! - money.disputedMinor!);
        expect(money.balanceMinor).toBe(
          money.netMinor! - (money.invoicedInMagentoMinor! - money.creditedInMagentoMinor!),
        );
        expect(money.erpBalanceMinor).toBe(money.netMinor! - (money.invoicedInErpMinor! - money.creditedInErpMinor!));
        expect(money.erpPaymentsBalanceMinor).toBe(
          money.netMinor! - (money.receivedInErpMinor! - money.paidBackInErpMinor!),
        );
        const amounts = [
          money.paidMinor,
          money.refundedMinor,
          money.pendingRefundsMinor,
          money.disputedMinor,
          money.disputeFeesMinor,
          money.netMinor,
          money.balanceMinor,
          money.erpBalanceMinor,
          money.erpPaymentsBalanceMinor,
          ...money.differences.map((d) => d.amountMinor),
        ];
        expect(amounts.every((a) => Number.isSafeInteger(a))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('finds nothing to explain when each system booked exactly what Stripe did, in any order', () => {
    const settled = fc
      .tuple(uniqueBy(anyCharge), uniqueBy(anyRefund), uniqueBy(anyDispute), fc.boolean())
      .chain(([charges, refunds, disputes, withRefs]) => {
        const booked: BookedDocument[] = [
          ...charges
            .filter((c) => c.capturedMinor > 0)
            .map((c) => doc(`invoice ${c.id}`, 'in', c.capturedMinor, withRefs ? c.id : undefined)),
          ...refunds
            .filter((r) => r.status === 'succeeded')
            .map((r) => doc(`memo ${r.id}`, 'out', r.amountMinor, withRefs ? r.id : undefined)),
          ...disputes
            .filter((d) => d.status === 'lost')
            .map((d) => doc(`memo ${d.id}`, 'out', d.amountMinor, withRefs ? d.id : undefined)),
        ];
        return fc
          .shuffledSubarray(booked, { minLength: booked.length, maxLength: booked.length })
          .map((docs): LedgerInput => ({
            currency: 'USD',
            stripe: { charges, refunds, disputes },
            books: { magento: docs },
          }));
      });
    fc.assert(
      fc.property(settled, (input) => {
        const money = orderLedger(input);
        expect(money.balanceMinor).toBe(0);
        expect(money.differences).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('an order in one currency whose money Stripe settled in another (docs/books.md)', () => {
  const jpy = <T extends { currency: string }>(x: T): T => ({ ...x, currency: 'JPY' });
  /** ¥10,000 settled as 67.00 USD; ¥3,000 refunded later, at a moved rate, as 21.30 USD. */
  function converted(received: number, paidBack: number): LedgerInput {
    return {
      currency: 'JPY',
      stripe: {
        charges: [{ ...jpy(charge('ch_1', 10000)), settled: { amountMinor: 6700, currency: 'USD' } }],
        refunds: [{ ...jpy(refund('re_1', 3000)), settled: { amountMinor: 2130, currency: 'USD' } }],
        disputes: [],
      },
      books: {
        magento: [jpy(doc('Magento invoice 1', 'in', 10000, 'ch_1')), jpy(doc('credit memo 1', 'out', 3000, 're_1'))],
        erp: [
          jpy(doc('ERP Sales Invoice SINV-1', 'in', 10000)),
          jpy(doc('ERP credit note SINV-2', 'out', 3000, 're_1')),
        ],
        erp_payments: [
          doc('ERP Payment Entry PAY-1', 'in', received, 'ch_1'),
          doc('ERP Payment Entry PAY-2', 'out', paidBack, 're_1'),
        ],
      },
      context: { shipped: true, orderOutcome: 'completed', orderStep: 'completed' },
    };
  }

  it('weighs the ERP payments against Stripe’s balance transactions, in the settlement currency', () => {
    const money = orderLedger(converted(6700, 2130));
    expect(money).toMatchObject({
      currency: 'JPY',
      erpPaymentsCurrency: 'USD',
      netMinor: 7000,
      balanceMinor: 0,
      erpBalanceMinor: 0,
      receivedInErpMinor: 6700,
      paidBackInErpMinor: 2130,
      erpPaymentsBalanceMinor: 0,
      differences: [],
    });
    expect(money.explanations).toEqual([]);
  });

  it('names a payment that differs from its balance transaction, in the settlement currency', () => {
    const money = orderLedger(converted(6700, 2010));
    expect(money.erpPaymentsBalanceMinor).toBe(-120);
    expect(money.explanations).toEqual([
      'ERP payments -1.20 USD: ERP Payment Entry PAY-2 is for 20.10 USD but refund re_1 refunded 21.30 USD',
    ]);
  });
});
