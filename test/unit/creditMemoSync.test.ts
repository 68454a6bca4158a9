import {
  advanceCursor,
  creditMemoOrigin,
  creditMemoSnapshotOf,
  cursorAt,
  cursorFromResult,
  isRecent,
  listedCreditMemo,
  mayBeStripePayment,
  nextPosition,
  stripePaymentOfOrder,
  windowStart,
  type CreditMemoCursor,
} from '../../domain/creditMemoSync';
import type { MagentoCreditMemo, MagentoOrder } from '../../domain/magento';

const memo = (over: Partial<MagentoCreditMemo> = {}): MagentoCreditMemo => ({
  entity_id: 7,
  order_id: 3,
  grand_total: 10.5,
  order_currency_code: 'usd',
  created_at: '2026-11-26 10:00:00',
  updated_at: '2026-11-26 10:00:00',
  comments: [{ comment: 'Created by admin' }],
  ...over,
});
const seen = (creditMemoId: number, updatedAt: string) => ({ creditMemoId, updatedAt });

describe('credit memos made in Magento', () => {
  it('tells staff memos from the product’s own (a marker) and from those refunded online (a transaction id)', () => {
    expect(creditMemoOrigin(memo())).toBe('staff');
    expect(
      creditMemoOrigin(memo({ comments: [{ comment: 'Refunded in Stripe: re_1, 10.50 USD. [o2c:refund:re_1]' }] })),
    ).toBe('ours');
    expect(creditMemoOrigin(memo({ comments: [{ comment: 'Order reversed [o2c:creditmemo_compensation]' }] }))).toBe(
      'ours',
    );
    expect(creditMemoOrigin(memo({ transaction_id: 're_3Pq' }))).toBe('online');
    expect(creditMemoOrigin(memo({ comments: [{ comment: 'refund [o2c: not a marker]' }] }))).toBe('staff');
  });

  it('snapshots a memo in minor units by the currency table, and refuses one without a currency as bad data', () => {
    expect(creditMemoSnapshotOf(memo(), '000000042')).toEqual({
      creditMemoId: 7,
      orderEntityId: 3,
      incrementId: '000000042',
      grandTotalMinor: 1050,
      currency: 'USD',
      origin: 'staff',
      createdAt: '2026-11-26 10:00:00',
      updatedAt: '2026-11-26 10:00:00',
    });
    expect(
      creditMemoSnapshotOf(memo({ grand_total: 1.5, order_currency_code: 'KWD' }), undefined).grandTotalMinor,
    ).toBe(1500);
    expect(
      creditMemoSnapshotOf(memo({ grand_total: 1500, order_currency_code: 'JPY' }), undefined).grandTotalMinor,
    ).toBe(1500);
    expect(() => creditMemoSnapshotOf(memo({ order_currency_code: undefined }), undefined)).toThrow(
      /credit memo 7 names no currency/,
    );
  });

  it('still lists a memo whose amount cannot be read, with the problem, so that memo parks alone', () => {
    expect(listedCreditMemo(memo({ order_currency_code: 'dollars' }), '42')).toMatchObject({
      creditMemoId: 7,
      origin: 'staff',
      problem: expect.stringMatching(/ISO 4217/),
    });
    expect(() => listedCreditMemo(memo({ updated_at: undefined, created_at: undefined }), '42')).toThrow(
      /no readable updated_at/,
    );
  });

  it('finds the Stripe payment in the invoice this product made, else in the payment module’s transaction ids', () => {
    const order = {
      payment: { last_trans_id: 'pi_module-capture', additional_information: ['ch_module'] },
    } as MagentoOrder;
    const ours = [
      {
        entity_id: 1,
        order_id: 3,
        comments: [{ comment: 'Paid in Stripe: charge ch_ours, PaymentIntent pi_ours. [o2c:invoice:ch_ours]' }],
      },
    ];
    expect(stripePaymentOfOrder(order, ours)).toEqual({ paymentIntentId: 'pi_ours', chargeId: 'ch_ours' });
    expect(stripePaymentOfOrder(order, [])).toEqual({ paymentIntentId: 'pi_module', chargeId: 'ch_module' });
    expect(
      stripePaymentOfOrder({} as MagentoOrder, [{ entity_id: 1, order_id: 3, transaction_id: 'ch_online' }]),
    ).toEqual({ chargeId: 'ch_online' });
    expect(stripePaymentOfOrder({ payment: { method: 'checkmo' } } as MagentoOrder, [])).toEqual({});
    expect([
      mayBeStripePayment('stripe_payments'),
      mayBeStripePayment(undefined),
      mayBeStripePayment('checkmo'),
    ]).toEqual([true, true, false]);
  });
});

describe('the credit memo sync’s cursor', () => {
  const cursor: CreditMemoCursor = {
    updatedAt: '2026-11-26 10:05:00',
    recent: [seen(5, '2026-11-26 10:04:00'), seen(6, '2026-11-26 10:05:00')],
  };

  it('reads again from a window of two minutes before the cursor, and knows the memos it handled there', () => {
    expect(windowStart(cursor)).toBe('2026-11-26 10:03:00');
    expect(windowStart({ updatedAt: '2026-11-27 00:01:00', recent: [] })).toBe('2026-11-26 23:59:00');
    expect(isRecent(cursor, 5)).toBe(true);
    expect(isRecent(cursor, 9)).toBe(false);
  });

  it('moves to the newest memo handled and keeps only those inside the window before it', () => {
    const next = advanceCursor(cursor, [seen(7, '2026-11-26 10:06:30'), seen(8, '2026-11-26 10:07:00')]);
    expect(next).toEqual({
      updatedAt: '2026-11-26 10:07:00',
      recent: [seen(6, '2026-11-26 10:05:00'), seen(7, '2026-11-26 10:06:30'), seen(8, '2026-11-26 10:07:00')],
    });
  });

  it('never moves back, and keeps a memo seen again (a comment moved its updated_at) once, at its newest time', () => {
    expect(advanceCursor(cursor, [])).toEqual(cursor);
    expect(advanceCursor(cursor, [seen(4, '2026-11-26 09:00:00')]).updatedAt).toBe('2026-11-26 10:05:00');
    const again = advanceCursor(cursor, [seen(5, '2026-11-26 10:05:30')]);
    expect(again.recent).toEqual([seen(6, '2026-11-26 10:05:00'), seen(5, '2026-11-26 10:05:30')]);
  });

  it('pages by (updated_at, id): a page ending at the same second asks for that second again without the ids read', () => {
    const start = { since: '2026-11-26 10:03:00', excludeIds: [] };
    const first = nextPosition(start, [
      seen(5, '2026-11-26 10:04:00'),
      seen(9, '2026-11-26 10:06:00'),
      seen(11, '2026-11-26 10:06:00'),
    ]);
    expect(first).toEqual({ since: '2026-11-26 10:06:00', excludeIds: [9, 11] });
    const second = nextPosition(first, [seen(12, '2026-11-26 10:06:00'), seen(13, '2026-11-26 10:06:00')]);
    expect(second).toEqual({ since: '2026-11-26 10:06:00', excludeIds: [9, 11, 12, 13] });
    expect(nextPosition(second, [])).toEqual(second);
  });

  it('starts at a time given as a Magento date-time or ISO 8601 with a zone, and refuses anything else', () => {
    expect(cursorAt('2026-11-26 10:00:00')).toEqual({ updatedAt: '2026-11-26 10:00:00', recent: [] });
    expect(cursorAt('2026-11-26T11:00:00+01:00').updatedAt).toBe('2026-11-26 10:00:00');
    expect(cursorAt('2026-11-26T10:00:00.000Z').updatedAt).toBe('2026-11-26 10:00:00');
    expect(() => cursorAt('yesterday')).toThrow(/not a date-time: "yesterday"/);
    expect(() => cursorAt('26/11/2026 10:00')).toThrow(/ISO 8601 with a zone/);
  });

  it('takes its cursor from the last completed run’s result, ignoring a result that holds none', () => {
    expect(cursorFromResult({ cursor, started: [] })).toEqual(cursor);
    expect(cursorFromResult(undefined)).toBeUndefined();
    expect(cursorFromResult({ cursor: { updatedAt: 'soon', recent: [] } })).toBeUndefined();
    expect(
      cursorFromResult({
        cursor: { updatedAt: '2026-11-26 10:05:00', recent: [{ creditMemoId: '5' }, seen(6, '2026-11-26 10:05:00')] },
      }),
    ).toEqual({ updatedAt: '2026-11-26 10:05:00', recent: [seen(6, '2026-11-26 10:05:00')] });
  });
});
