import axios from 'axios';
import type Stripe from 'stripe';
import { billingControls, day, expectConsistent, T0, type SandboxInvoice } from './stripeBilling';
import { startStripeSandbox, type StripeHarness } from './stripeHarness';

/** Invoice objects, coupons and discounts, tax rates — over real HTTP with the official client, on a fixed clock. */
describe('Stripe sandbox billing: invoices, discounts and taxes', () => {
  let h: StripeHarness;
  let stripe: Stripe;
  let b: ReturnType<typeof billingControls>;
  const P1 = T0 + 31 * day; // 2027-02-15: the end of the first monthly period
  const P2 = P1 + 28 * day; // 2027-03-15

  beforeAll(async () => {
    h = await startStripeSandbox({ now: () => T0 * 1000 });
    stripe = h.stripe;
    b = billingControls(h);
  });
  afterAll(async () => h.close());

  const customer = (email: string) => stripe.customers.create({ email, name: 'Ada Subscriber' });
  const monthly = (currency: string, unit_amount: number, name: string) =>
    stripe.prices.create({ currency, unit_amount, recurring: { interval: 'month' }, product_data: { name } });

  it('makes invoices as Stripe does: lines with price, period, proration, discount and tax amounts; totals that add up; a charge and PaymentIntent naming the invoice', async () => {
    const ada = await customer('ada@example.com');
    const coffee = await monthly('usd', 1_500, 'Coffee club');
    const grinder = await monthly('usd', 700, 'Grinder rental');
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'forever', name: 'Ten off' });
    const salesTax = await stripe.taxRates.create({
      display_name: 'Sales tax',
      percentage: 8.25,
      inclusive: false,
      jurisdiction: 'CA',
    });
    const subscription = (await stripe.subscriptions.create({
      customer: ada.id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: coffee.id, quantity: 2 }, { price: grinder.id }],
      discounts: [{ coupon: coupon.id }],
      default_tax_rates: [salesTax.id],
      metadata: { plan: 'coffee' },
    })) as Stripe.Subscription & { discounts: string[] };
    expect(subscription.status).toBe('active');
    expect(subscription.discounts).toHaveLength(1);
    expect(subscription.default_tax_rates?.[0]).toMatchObject({ id: salesTax.id, percentage: 8.25, inclusive: false });

    const invoice = await b.invoice(subscription.latest_invoice);
    const discountId = subscription.discounts[0];
    expect(invoice).toMatchObject({
      object: 'invoice',
      billing_reason: 'subscription_create',
      status: 'paid',
      paid: true,
      subscription: subscription.id,
      customer: ada.id,
      customer_email: 'ada@example.com',
      currency: 'usd',
      metadata: {},
      period_start: T0,
      period_end: P1,
      subtotal: 3_700,
      total_discount_amounts: [{ amount: 370, discount: discountId }],
      tax: 275,
      total: 3_605,
      amount_due: 3_605,
      amount_paid: 3_605,
      amount_remaining: 0,
      attempt_count: 1,
      attempted: true,
      next_payment_attempt: null,
      total_tax_amounts: [{ amount: 275, inclusive: false, tax_rate: salesTax.id, taxable_amount: 3_330 }],
      hosted_invoice_url: `${h.baseUrl}/__sandbox/invoices/${invoice.id}`,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: subscription.id, metadata: { plan: 'coffee' } },
      },
    });
    expect(invoice.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    expect(invoice.lines.data).toHaveLength(2);
    expect(invoice.lines.data[0]).toMatchObject({
      object: 'line_item',
      amount: 3_000,
      currency: 'usd',
      description: '2 × Coffee club (at $15.00 / month)',
      quantity: 2,
      price: { id: coffee.id, unit_amount: 1_500 },
      proration: false,
      type: 'subscription',
      period: { start: T0, end: P1 },
      discount_amounts: [{ amount: 300, discount: discountId }],
      tax_amounts: [{ amount: 223, inclusive: false, tax_rate: salesTax.id, taxable_amount: 2_700 }],
      taxes: [
        {
          amount: 223,
          tax_behavior: 'exclusive',
          tax_rate_details: { tax_rate: salesTax.id },
          taxable_amount: 2_700,
          type: 'tax_rate_details',
        },
      ],
      pricing: { type: 'price_details', price_details: { price: coffee.id, product: coffee.product } },
    });
    expect(invoice.lines.data[1]).toMatchObject({
      amount: 700,
      description: '1 × Grinder rental (at $7.00 / month)',
      discount_amounts: [{ amount: 70 }],
      tax_amounts: [{ amount: 52, taxable_amount: 630 }],
    });
    expectConsistent(invoice);

    const intent = (await stripe.paymentIntents.retrieve(invoice.payment_intent as string)) as Stripe.PaymentIntent & {
      invoice?: string | null;
    };
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: 3_605,
      currency: 'usd',
      customer: ada.id,
      invoice: invoice.id,
      description: 'Subscription creation',
    });
    const charge = (await stripe.charges.retrieve(invoice.charge as string, {
      expand: ['balance_transaction'],
    })) as Stripe.Charge & { invoice?: string | null };
    expect(charge).toMatchObject({ amount: 3_605, invoice: invoice.id, payment_intent: intent.id, paid: true });
    expect(charge.balance_transaction).toMatchObject({ amount: 3_605, type: 'charge', source: charge.id });

    const lines = await stripe.invoices.listLineItems(invoice.id);
    expect(lines.data.map((l) => l.amount)).toEqual([3_000, 700]);
    const hosted = await axios.get<SandboxInvoice>(invoice.hosted_invoice_url as string);
    expect(hosted.data).toMatchObject({ id: invoice.id, status: 'paid', total: 3_605 });

    expect(await b.types(subscription.id)).toEqual([
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);
    const created = (await b.timeline(subscription.id)).find((e) => e.type === 'invoice.created');
    expect(created?.data.object).toMatchObject({ status: 'draft', number: null, hosted_invoice_url: null });
  });

  it('applies coupons per line with exact rounding: a JPY amount-off used once, a KWD percent-off for two months, a 100 % coupon, and refuses bad ones', async () => {
    // JPY, amount off once: the first invoice only.
    const yen = await customer('yen@example.com');
    const manga = await monthly('jpy', 980, 'Manga monthly');
    const welcome = await stripe.coupons.create({ amount_off: 500, currency: 'jpy', duration: 'once' });
    const jp = (await stripe.subscriptions.create({
      customer: yen.id,
      default_payment_method: 'pm_card_jp',
      items: [{ price: manga.id, quantity: 3 }],
      discounts: [{ coupon: welcome.id }],
    })) as Stripe.Subscription & { discounts: string[] };
    const first = await b.invoice(jp.latest_invoice);
    expect(first).toMatchObject({
      subtotal: 2_940,
      total: 2_440,
      amount_due: 2_440,
      amount_paid: 2_440,
      currency: 'jpy',
    });
    expect(first.total_discount_amounts?.[0]?.amount).toBe(500);
    expectConsistent(first);
    expect(jp.discounts).toEqual([]);
    expect((await stripe.coupons.retrieve(welcome.id)).times_redeemed).toBe(1);
    const renewedJp = await b.advance(jp.id, { outcome: 'paid' });
    expect(await b.invoice(renewedJp.latest_invoice)).toMatchObject({
      billing_reason: 'subscription_cycle',
      subtotal: 2_940,
      total: 2_940,
      total_discount_amounts: [],
    });

    // KWD, 15 % for two months over two lines: 1.296 KWD rounds to 1.300 (Stripe charges KWD in multiples of 10 fils), split 0.790 + 0.510.
    const kw = await customer('kw@example.com');
    const box = await monthly('kwd', 5_250, 'Date box');
    const tea = await monthly('kwd', 1_130, 'Tea tin');
    const fifteen = await stripe.coupons.create({ percent_off: 15, duration: 'repeating', duration_in_months: 2 });
    const kwd = await stripe.subscriptions.create({
      customer: kw.id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: box.id }, { price: tea.id, quantity: 3 }],
      discounts: [{ coupon: fifteen.id }],
    });
    const k1 = await b.invoice(kwd.latest_invoice);
    expect(k1).toMatchObject({ subtotal: 8_640, total: 7_340, amount_paid: 7_340, currency: 'kwd' });
    expect(k1.lines.data.map((l) => l.discount_amounts?.[0]?.amount)).toEqual([790, 510]);
    expectConsistent(k1);
    expect((await stripe.charges.retrieve(k1.charge as string)).amount).toBe(7_340);
    const k2 = await b.invoice((await b.advance(kwd.id)).latest_invoice);
    expect(k2).toMatchObject({ period_start: P1, total: 7_340 });
    const k3 = await b.invoice((await b.advance(kwd.id)).latest_invoice);
    expect(k3).toMatchObject({ period_start: P2, subtotal: 8_640, total: 8_640, total_discount_amounts: [] });
    expect((await b.subscription(kwd.id)).discounts).toEqual([]);

    // 100 % off once: nothing to collect, so no PaymentIntent; the next period is charged in full.
    const free = await stripe.coupons.create({ percent_off: 100, duration: 'once' });
    const gift = await stripe.subscriptions.create({
      customer: (await customer('gift@example.com')).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: (await monthly('usd', 999, 'Gift box')).id }],
      discounts: [{ coupon: free.id }],
    });
    expect(gift.status).toBe('active');
    expect(await b.invoice(gift.latest_invoice)).toMatchObject({
      status: 'paid',
      total: 0,
      amount_due: 0,
      amount_paid: 0,
      payment_intent: null,
      charge: null,
    });
    expect(await b.invoice((await b.advance(gift.id)).latest_invoice)).toMatchObject({
      status: 'paid',
      total: 999,
      amount_paid: 999,
    });

    // The legacy `coupon` parameter still works.
    const legacy = (await stripe.rawRequest('POST', '/v1/subscriptions', {
      customer: yen.id,
      default_payment_method: 'pm_card_jp',
      'items[0][price]': manga.id,
      coupon: (await stripe.coupons.create({ percent_off: 50, duration: 'once' })).id,
    })) as { latest_invoice: string };
    expect(await b.invoice(legacy.latest_invoice)).toMatchObject({ subtotal: 980, total: 490 });

    await expect(stripe.coupons.create({ amount_off: 500, duration: 'once' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'currency',
    });
    await expect(stripe.coupons.create({ percent_off: 120, duration: 'once' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'percent_off',
    });
    await expect(stripe.coupons.create({ percent_off: 5, duration: 'repeating' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'duration_in_months',
    });
    const euros = await stripe.coupons.create({ amount_off: 100, currency: 'eur', duration: 'forever' });
    await expect(
      stripe.subscriptions.create({
        customer: yen.id,
        default_payment_method: 'pm_card_jp',
        items: [{ price: manga.id }],
        discounts: [{ coupon: euros.id }],
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'discounts[0][coupon]' });
    await expect(
      stripe.subscriptions.create({
        customer: yen.id,
        default_payment_method: 'pm_card_jp',
        items: [{ price: manga.id }],
        discounts: [{ coupon: 'nope' }],
      }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('applies tax rates from default_tax_rates: inclusive VAT after a discount, exclusive JPY per line, KWD rounded to 10 fils', async () => {
    const vat = await stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: true, country: 'DE' });
    expect(vat).toMatchObject({
      object: 'tax_rate',
      percentage: 19,
      effective_percentage: 19,
      inclusive: true,
      active: true,
    });
    const de = await stripe.subscriptions.create({
      customer: (await customer('de@example.com')).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: (await monthly('eur', 1_190, 'Kaffee')).id }],
      default_tax_rates: [vat.id],
      discounts: [{ coupon: (await stripe.coupons.create({ percent_off: 10, duration: 'forever' })).id }],
    });
    const eur = await b.invoice(de.latest_invoice);
    // 11.90 − 1.19 discount = 10.71 paid, of which 19 % VAT is included: 10.71 − 10.71 / 1.19 = 1.71.
    expect(eur).toMatchObject({
      subtotal: 1_190,
      total: 1_071,
      tax: 171,
      total_excluding_tax: 900,
      amount_paid: 1_071,
    });
    expect(eur.lines.data[0]?.tax_amounts).toEqual([
      { amount: 171, inclusive: true, tax_rate: vat.id, taxability_reason: 'standard_rated', taxable_amount: 900 },
    ]);
    expectConsistent(eur);

    const consumption = await stripe.taxRates.create({
      display_name: 'Consumption tax',
      percentage: 7.5,
      inclusive: false,
    });
    const jp = await stripe.subscriptions.create({
      customer: (await customer('jp-tax@example.com')).id,
      default_payment_method: 'pm_card_jp',
      items: [
        { price: (await monthly('jpy', 1_234, 'Sencha')).id },
        { price: (await monthly('jpy', 999, 'Matcha')).id },
      ],
      default_tax_rates: [consumption.id],
    });
    const yen = await b.invoice(jp.latest_invoice);
    expect(yen.lines.data.map((l) => l.tax_amounts[0]?.amount)).toEqual([93, 75]); // 92.55 → 93, 74.925 → 75
    expect(yen).toMatchObject({ subtotal: 2_233, tax: 168, total: 2_401, amount_paid: 2_401 });
    expectConsistent(yen);

    const kwTax = await stripe.taxRates.create({ display_name: 'VAT', percentage: 5, inclusive: false, country: 'KW' });
    const kw = await stripe.subscriptions.create({
      customer: (await customer('kw-tax@example.com')).id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: (await monthly('kwd', 8_750, 'Oud')).id }],
      default_tax_rates: [kwTax.id],
    });
    const kwd = await b.invoice(kw.latest_invoice);
    expect(kwd).toMatchObject({ subtotal: 8_750, tax: 440, total: 9_190, amount_paid: 9_190 }); // 437.5 fils → 440
    expectConsistent(kwd);

    // An inactive rate cannot be applied; removing the rates stops taxing the next invoice.
    await stripe.taxRates.update(consumption.id, { active: false });
    await expect(stripe.subscriptions.update(kw.id, { default_tax_rates: [consumption.id] })).rejects.toMatchObject({
      statusCode: 400,
    });
    await stripe.subscriptions.update(kw.id, { default_tax_rates: '' as unknown as string[] });
    expect(await b.invoice((await b.advance(kw.id)).latest_invoice)).toMatchObject({
      subtotal: 8_750,
      tax: null,
      total: 8_750,
      total_tax_amounts: [],
    });
  });

  it("pays invoices from the customer's credit balance as Stripe does: in part (a smaller PaymentIntent), in whole (no PaymentIntent), each use a balance transaction", async () => {
    const coffee = await monthly('usd', 1_500, 'Coffee club');
    const part = await customer('balance-part@example.com');
    const credit = await stripe.customers.createBalanceTransaction(part.id, {
      amount: -1_000,
      currency: 'usd',
      description: 'goodwill',
    });
    expect(credit).toMatchObject({
      object: 'customer_balance_transaction',
      amount: -1_000,
      ending_balance: -1_000,
      type: 'adjustment',
    });
    const partly = await stripe.subscriptions.create({
      customer: part.id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: coffee.id }],
    });
    const partInvoice = await b.invoice(partly.latest_invoice);
    expect(partInvoice).toMatchObject({
      status: 'paid',
      total: 1_500,
      starting_balance: -1_000,
      ending_balance: 0,
      amount_due: 500,
      amount_paid: 500,
    });
    expect((await stripe.paymentIntents.retrieve(partInvoice.payment_intent!)).amount).toBe(500);
    expect(((await stripe.customers.retrieve(part.id)) as Stripe.Customer).balance).toBe(0);
    const used = await stripe.customers.listBalanceTransactions(part.id);
    expect(used.data.map((t) => [t.type, t.amount, t.invoice])).toEqual([
      ['applied_to_invoice', 1_000, partInvoice.id],
      ['adjustment', -1_000, null],
    ]);

    const whole = await stripe.customers.create({ email: 'balance-whole@example.com', balance: -2_000 });
    const covered = await stripe.subscriptions.create({
      customer: whole.id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: coffee.id }],
    });
    const coveredInvoice = await b.invoice(covered.latest_invoice);
    expect(coveredInvoice).toMatchObject({
      status: 'paid',
      total: 1_500,
      amount_due: 0,
      amount_paid: 0,
      payment_intent: null,
    });
    expect(coveredInvoice.payments?.data).toEqual([]);
    expect(((await stripe.customers.retrieve(whole.id)) as Stripe.Customer).balance).toBe(-500);
  });

  it("marks an invoice paid out of band (its failed PaymentIntent canceled), updates an invoice's metadata, and lists invoice payments by PaymentIntent", async () => {
    const ada = await customer('out-of-band@example.com');
    const sub = await stripe.subscriptions.create({
      customer: ada.id,
      default_payment_method: 'pm_card_visa',
      items: [{ price: (await monthly('usd', 2_000, 'Tea club')).id }],
    });
    const first = await b.invoice(sub.latest_invoice);
    const found = await stripe.invoicePayments.list({
      payment: { type: 'payment_intent', payment_intent: first.payment_intent! },
    });
    expect(found.data.map((p) => [p.invoice, p.status, p.amount_paid])).toEqual([[first.id, 'paid', 2_000]]);

    const renewal = await b.invoice((await b.advance(sub.id, { outcome: 'failed' })).latest_invoice);
    expect(renewal.status).toBe('open');
    const paid = (await stripe.invoices.pay(renewal.id, { paid_out_of_band: true })) as unknown as SandboxInvoice & {
      paid_out_of_band: boolean;
    };
    expect(paid).toMatchObject({
      status: 'paid',
      amount_paid: 2_000,
      amount_paid_off_stripe: 2_000,
      paid_out_of_band: true,
      next_payment_attempt: null,
    });
    expect((await stripe.paymentIntents.retrieve(renewal.payment_intent!)).status).toBe('canceled');
    expect(paid.payments?.data.map((p) => p.status)).toEqual(['canceled']);
    expect((await b.subscription(sub.id)).status).toBe('active');
    expect(await b.types(sub.id)).toEqual(expect.arrayContaining(['invoice.paid']));
    await expect(stripe.invoices.pay(renewal.id, { paid_out_of_band: true })).rejects.toMatchObject({
      statusCode: 400,
    });

    const updated = await stripe.invoices.update(renewal.id, { metadata: { magento_order_id: '000000042' } });
    expect(updated.metadata).toEqual({ magento_order_id: '000000042' });
    expect(updated.status).toBe('paid');
  });
});
