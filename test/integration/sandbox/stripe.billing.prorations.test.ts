import type Stripe from 'stripe';
import { billingControls, day, expectConsistent, T0, type SandboxInvoice } from './stripeBilling';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

/**
 * Plan changes with prorations, by the second as Stripe computes them. Every subscription starts at T0
 * (2027-01-15) with a 31-day first period; the change happens 10 days 12,345 s in, so 1,802,055 of 2,678,400 seconds
 * remain (67.281 %).
 */
describe('Stripe sandbox billing: plan changes and prorations', () => {
  let h: StripeHarness;
  let stripe: Stripe;
  let b: ReturnType<typeof billingControls>;
  const P1 = T0 + 31 * day;
  const changeAt = T0 + 10 * day + 12_345; // 2027-01-25 03:25:45 UTC

  beforeAll(async () => {
    h = await startStripeSandbox({ now: () => T0 * 1000 });
    stripe = h.stripe;
    b = billingControls(h);
  });
  afterAll(async () => h.close());

  const product = async (name: string) => (await stripe.products.create({ name })).id;
  const monthly = async (currency: string, unit_amount: number, productId: string) =>
    stripe.prices.create({ currency, unit_amount, recurring: { interval: 'month' }, product: productId });
  const subscribe = async (price: string, quantity = 1, extra: Partial<Stripe.SubscriptionCreateParams> = {}) =>
    stripe.subscriptions.create({
      customer: (await stripe.customers.create({ email: `p${Math.random()}@example.com` })).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price, quantity }],
      ...extra,
    });
  const itemOf = (s: Stripe.Subscription) => (s.items.data[0] as Stripe.SubscriptionItem).id;

  it('create_prorations (default): credit for unused time and charge for the remaining time wait for the renewal invoice; create_preview shows them first', async () => {
    const plans = await product('Hosting');
    const basic = await monthly('usd', 1_000, plans);
    const premium = await monthly('usd', 2_500, plans);
    const sub = await subscribe(basic.id);

    const preview = (await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: itemOf(sub), price: premium.id }], proration_date: changeAt },
    })) as unknown as SandboxInvoice;
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview.lines.data.map((l) => [l.amount, l.proration])).toEqual([
      [-673, true],
      [1_682, true],
      [2_500, false],
    ]);
    expect(preview).toMatchObject({
      billing_reason: 'upcoming',
      subtotal: 3_509,
      total: 3_509,
      amount_due: 3_509,
      status: 'draft',
    });

    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemOf(sub), price: premium.id }],
      proration_date: changeAt,
    });
    expect(updated.items.data[0]?.price.id).toBe(premium.id);
    expect(updated.latest_invoice).toBe(sub.latest_invoice); // nothing invoiced yet
    expect((await b.invoices(sub.id)).length).toBe(1);

    const renewal = await b.invoice((await b.advance(sub.id, { outcome: 'paid' })).latest_invoice);
    expect(renewal).toMatchObject({
      billing_reason: 'subscription_cycle',
      status: 'paid',
      subtotal: 3_509,
      total: 3_509,
      amount_paid: 3_509,
      period_start: P1,
    });
    expect(renewal.lines.data).toHaveLength(3);
    expect(renewal.lines.data[0]).toMatchObject({
      amount: -673,
      proration: true,
      type: 'invoiceitem',
      price: { id: basic.id },
      quantity: 1,
      period: { start: changeAt, end: P1 },
      description: 'Unused time on 1 × Hosting after 25 Jan 2027',
    });
    expect(renewal.lines.data[1]).toMatchObject({
      amount: 1_682,
      proration: true,
      price: { id: premium.id },
      period: { start: changeAt, end: P1 },
      description: 'Remaining time on 1 × Hosting after 25 Jan 2027',
    });
    expect(renewal.lines.data[2]).toMatchObject({
      amount: 2_500,
      proration: false,
      type: 'subscription',
      period: { start: P1 },
    });
    expect(renewal.lines.data.map((l) => l.amount)).toEqual(preview.lines.data.map((l) => l.amount));
    expectConsistent(renewal);
  });

  it('always_invoice bills the prorations at once (subscription_update), in JPY to the yen', async () => {
    const manga = await product('Manga');
    const standard = await monthly('jpy', 980, manga);
    const deluxe = await monthly('jpy', 1_480, manga);
    const sub = await subscribe(standard.id, 2);
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemOf(sub), price: deluxe.id }],
      proration_behavior: 'always_invoice',
      proration_date: changeAt,
    });
    expect(updated.latest_invoice).not.toBe(sub.latest_invoice);
    const invoice = await b.invoice(updated.latest_invoice);
    // 1,960 × 67.281 % = 1,318.7 → 1,319 credited; 2,960 × 67.281 % = 1,991.5 → 1,992 charged.
    expect(invoice.lines.data.map((l) => [l.amount, l.quantity, l.description])).toEqual([
      [-1_319, 2, 'Unused time on 2 × Manga after 25 Jan 2027'],
      [1_992, 2, 'Remaining time on 2 × Manga after 25 Jan 2027'],
    ]);
    expect(invoice).toMatchObject({
      billing_reason: 'subscription_update',
      status: 'paid',
      currency: 'jpy',
      total: 673,
      amount_paid: 673,
    });
    expect((await stripe.paymentIntents.retrieve(invoice.payment_intent as string)).amount).toBe(673);
    expectConsistent(invoice);
    const events = await b.types(sub.id);
    expect(events.slice(events.lastIndexOf('customer.subscription.updated') - 7)).toEqual([
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);
    // The next renewal bills the new plan only: nothing was left pending.
    const renewal = await b.invoice((await b.advance(sub.id)).latest_invoice);
    expect(renewal.lines.data.map((l) => l.amount)).toEqual([2_960]);
  });

  it('prorates KWD to 10 fils, with the subscription discount on each proration line', async () => {
    const dates = await product('Dates');
    const small = await monthly('kwd', 5_250, dates);
    const large = await monthly('kwd', 8_750, dates);
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever' });
    const sub = await subscribe(small.id, 1, { discounts: [{ coupon: coupon.id }] });
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemOf(sub), price: large.id }],
      proration_behavior: 'always_invoice',
      proration_date: changeAt,
    });
    const invoice = await b.invoice(updated.latest_invoice);
    // 5.250 × 67.281 % = 3.532 → 3.530 credited; 8.750 × 67.281 % = 5.887 → 5.890; 10 % of 2.360 = 0.236 → 0.240, split −0.360 / +0.600.
    expect(invoice.lines.data.map((l) => l.amount)).toEqual([-3_530, 5_890]);
    expect(invoice.lines.data.map((l) => l.discount_amounts?.[0]?.amount)).toEqual([-360, 600]);
    expect(invoice).toMatchObject({ subtotal: 2_360, total: 2_120, amount_paid: 2_120, currency: 'kwd' });
    expect(invoice.amount_paid % 10).toBe(0);
    expectConsistent(invoice);
  });

  it('proration_behavior=none changes the plan without prorations; a quantity change and a downgrade prorate too (the credit becomes customer balance)', async () => {
    const seats = await product('Seats');
    const seat = await monthly('usd', 1_000, seats);
    const cheap = await monthly('usd', 400, seats);
    const sub = await subscribe(seat.id);
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemOf(sub), quantity: 3 }],
      proration_behavior: 'none',
    });
    expect((await b.invoice((await b.advance(sub.id)).latest_invoice)).lines.data.map((l) => l.amount)).toEqual([
      3_000,
    ]);

    // Second period (Feb 15 – Mar 15, 28 days): downgrade halfway, invoiced now: credit 3 × $10 × 14/28, charge 3 × $4 × 14/28.
    const half = P1 + 14 * day;
    const downgraded = await stripe.subscriptions.update(sub.id, {
      items: [{ id: itemOf(sub), price: cheap.id }],
      proration_behavior: 'always_invoice',
      proration_date: half,
    });
    const credit = await b.invoice(downgraded.latest_invoice);
    expect(credit.lines.data.map((l) => l.amount)).toEqual([-1_500, 600]);
    expect(credit).toMatchObject({
      total: -900,
      amount_due: 0,
      status: 'paid',
      starting_balance: 0,
      ending_balance: -900,
      payment_intent: null,
    });
    expect(((await stripe.customers.retrieve(sub.customer as string)) as Stripe.Customer).balance).toBe(-900);
    // The credit pays most of the next invoice: 3 × $4 = $12 − $9 credit.
    const next = await b.invoice((await b.advance(sub.id)).latest_invoice);
    expect(next).toMatchObject({
      total: 1_200,
      starting_balance: -900,
      ending_balance: 0,
      amount_due: 300,
      amount_paid: 300,
    });
  });

  it('changing the billing interval resets the cycle and invoices at once; advance {to: <unix time>} moves the clock first', async () => {
    const plan = await product('Storage');
    const monthlyPrice = await monthly('usd', 1_000, plan);
    const yearly = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 10_000,
      recurring: { interval: 'year' },
      product: plan,
    });
    const sub = await subscribe(monthlyPrice.id);
    await b.advance(sub.id, { to: T0 + 10 * day });
    expect((await b.clock(sub.id)).now).toBe(T0 + 10 * day);
    const updated = await stripe.subscriptions.update(sub.id, { items: [{ id: itemOf(sub), price: yearly.id }] });
    expect(updated.billing_cycle_anchor).toBe(T0 + 10 * day);
    const item = updated.items.data[0] as Stripe.SubscriptionItem;
    expect([item.current_period_start, item.current_period_end]).toEqual([T0 + 10 * day, Date.UTC(2028, 0, 25) / 1000]);
    const invoice = await b.invoice(updated.latest_invoice);
    // 21 of 31 days unused: 677 back; a whole year charged.
    expect(invoice.lines.data.map((l) => [l.amount, l.proration])).toEqual([
      [-677, true],
      [10_000, false],
    ]);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_update', total: 9_323, status: 'paid' });
  });

  it('refuses a proration date outside the current period, an unknown item, and mixed billing intervals', async () => {
    const plan = await product('Plan');
    const price = await monthly('usd', 1_000, plan);
    const sub = await subscribe(price.id);
    await expect(
      stripe.subscriptions.update(sub.id, { items: [{ id: itemOf(sub), quantity: 2 }], proration_date: P1 + day }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'proration_date' });
    await expect(
      stripe.subscriptions.update(sub.id, { items: [{ id: 'si_missing', quantity: 2 }] }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'items[0][id]' });
    const yearly = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 9_000,
      recurring: { interval: 'year' },
      product: plan,
    });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ price: yearly.id }] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'items',
    });
    await expect(subscribe(price.id, 1, { items: [{ price: price.id }, { price: yearly.id }] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'items',
    });
  });
});
