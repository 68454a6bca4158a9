import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import Stripe from 'stripe';
import { FilePayoutReportStore } from '../../integrations/storage/payoutReportStore';
import { MagentoClient } from '../../integrations/magento/client';
import { PaymentNotCapturable, createStripeActivities } from '../../activities/stripe/activities';
import { createStripeClient } from '../../integrations/stripe/client';
import { createPayoutTransactionActivities } from '../../activities/stripe/payoutTransactions';
import { createMagentoSandbox } from '../../sandbox/magento';
import { placeOrders } from '../../scripts/shop/placeOrders';
import { locateStripeMock, startStripeMock, stripeMockVersion, type RunningStripeMock } from '../../scripts/stripeMock';
import { startPeer, type RunningPeer } from '../harness/peers';

/*
 * Contract check: every Stripe request shape the product and the storefront send is valid against Stripe's OpenAPI
 * spec, as stripe-mock enforces it. Our Stripe sandbox is lenient by design; stripe-mock is the strict reader.
 * stripe-mock is found or built while jest collects this file (describe vs describe.skip must be known then); the
 * first build takes a minute or so, later runs use the .tools/ cache.
 */
const stripeMock = locateStripeMock();
if ('reason' in stripeMock) console.warn(`stripe-mock contract check skipped: ${stripeMock.reason}`);
const describeWithStripeMock = stripeMock.path ? describe : describe.skip;

interface SeenResponse {
  method: string;
  path: string;
  status: number;
}

describeWithStripeMock(
  `Stripe API contract (stripe-mock ${stripeMock.path ? stripeMockVersion : 'unavailable'})`,
  () => {
    let mock: RunningStripeMock;
    let stripe: Stripe;
    const seen: SeenResponse[] = [];
    const rejected = () => seen.filter((r) => r.status >= 400);

    beforeAll(async () => {
      mock = await startStripeMock(stripeMock.path);
      stripe = createStripeClient({ secretKey: 'sk_test_123', apiBase: mock.url });
      stripe.on('response', (event: Stripe.ResponseEvent) =>
        seen.push({ method: event.method, path: event.path, status: event.status }),
      );
    }, 600_000);

    afterAll(async () => {
      await mock?.stop();
    });

    beforeEach(() => {
      seen.length = 0;
    });

    describe('requests the Stripe activities send', () => {
      it('reads a PaymentIntent with its latest charge expanded', async () => {
        await expect(stripe.paymentIntents.retrieve('pi_123', { expand: ['latest_charge'] })).resolves.toMatchObject({
          object: 'payment_intent',
        });
      });

      it('reads a PaymentIntent and a charge by id', async () => {
        await expect(stripe.paymentIntents.retrieve('pi_123')).resolves.toMatchObject({ object: 'payment_intent' });
        await expect(stripe.charges.retrieve('ch_123')).resolves.toMatchObject({ object: 'charge' });
      });

      it("lists a payment's refunds", async () => {
        await expect(stripe.refunds.list({ payment_intent: 'pi_123', limit: 100 })).resolves.toMatchObject({
          object: 'list',
        });
      });

      it('creates a refund with a reason, metadata and an idempotency key', async () => {
        await expect(
          stripe.refunds.create(
            {
              payment_intent: 'pi_123',
              reason: 'fraudulent',
              metadata: { o2c_key: 'refund:order:000000001:fraud', note: 'Rejected by a fraud reviewer' },
            },
            { idempotencyKey: 'refund:order:000000001:fraud' },
          ),
        ).resolves.toMatchObject({ object: 'refund' });
      });

      it('captures and cancels a PaymentIntent with an idempotency key', async () => {
        await expect(
          stripe.paymentIntents.capture('pi_123', {}, { idempotencyKey: 'order:000000001:capture' }),
        ).resolves.toMatchObject({ object: 'payment_intent' });
        await expect(
          stripe.paymentIntents.cancel(
            'pi_123',
            { cancellation_reason: 'abandoned' },
            { idempotencyKey: 'order:000000001:cancel' },
          ),
        ).resolves.toMatchObject({ object: 'payment_intent' });
      });

      it('creates a retry Checkout Session, lists open sessions, reads and expires one', async () => {
        const activities = createStripeActivities(stripe);
        await activities.createRetryCheckoutSession({
          incrementId: '000000001',
          amountMinor: 12_340,
          currency: 'KWD',
          expiresAt: Math.floor(Date.now() / 1000) + 3600,
          customerEmail: 'amelia.schmidt1@example.com',
          idempotencyKey: 'order:000000001:retry:1',
          successUrl: 'https://shop.example.com/checkout/onepage/success',
          cancelUrl: 'https://shop.example.com/checkout/cart',
        });
        await expect(
          stripe.checkout.sessions.list({ status: 'open', limit: 100, starting_after: 'cs_test_123' }),
        ).resolves.toMatchObject({ object: 'list' });
        await expect(stripe.checkout.sessions.retrieve('cs_test_123')).resolves.toMatchObject({
          object: 'checkout.session',
        });
        await expect(stripe.checkout.sessions.expire('cs_test_123')).resolves.toMatchObject({
          object: 'checkout.session',
        });
        expect(seen.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(
          expect.arrayContaining(['GET /v1/checkout/sessions', 'POST /v1/checkout/sessions']),
        );
        expect(rejected()).toEqual([]);
      });

      it('accepts every request the activities make when run for real', async () => {
        const activities = createStripeActivities(stripe);
        await activities.getPayment('pi_123');
        await activities.orderReferenceOfPaymentIntent('pi_123');
        await activities.orderReferenceOfCharge('ch_123');
        await activities.refundPayment({
          paymentIntentId: 'pi_123',
          idempotencyKey: 'refund:contract',
          reason: 'requested_by_customer',
          note: 'contract check',
        });
        // stripe-mock's fixture PaymentIntent awaits a payment method: cancelable, not capturable.
        await expect(
          activities.capturePayment({ paymentIntentId: 'pi_123', idempotencyKey: 'capture:contract' }),
        ).rejects.toBeInstanceOf(PaymentNotCapturable);
        await activities.cancelAuthorization({
          paymentIntentId: 'pi_123',
          idempotencyKey: 'cancel:contract',
          reason: 'requested_by_customer',
        });
        await activities.expireCheckoutSession({ sessionId: 'cs_test_123' });
        expect(seen.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(
          expect.arrayContaining([
            'POST /v1/refunds',
            'GET /v1/charges/ch_123',
            'POST /v1/payment_intents/pi_123/cancel',
            'GET /v1/checkout/sessions/cs_test_123',
          ]),
        );
        expect(rejected()).toEqual([]);
      });
    });

    describe('requests the storefront (npm run shop) sends', () => {
      it('looks a customer up by e-mail and creates one with a name, an address and metadata', async () => {
        await expect(stripe.customers.list({ email: 'amelia.schmidt1@example.com', limit: 1 })).resolves.toMatchObject({
          object: 'list',
        });
        await expect(
          stripe.customers.create({
            email: 'amelia.schmidt1@example.com',
            name: 'Amelia Schmidt',
            address: { line1: '350 Fifth Avenue', city: 'New York', postal_code: '10118', country: 'US', state: 'NY' },
            metadata: { source: 'shop' },
          }),
        ).resolves.toMatchObject({ object: 'customer' });
      });

      it('creates and confirms a PaymentIntent with a test card, a customer and the Magento order id', async () => {
        await expect(
          stripe.paymentIntents.create(
            {
              amount: 5349,
              currency: 'usd',
              confirm: true,
              payment_method: 'pm_card_visa',
              automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
              customer: 'cus_123',
              description: 'Magento order #000000001',
              metadata: { magento_order_id: '000000001' },
              expand: ['latest_charge'],
            },
            { idempotencyKey: 'shop:000000001' },
          ),
        ).resolves.toMatchObject({ object: 'payment_intent' });
      });

      describe('run for real against a sandbox Magento', () => {
        let magento: RunningPeer;
        beforeAll(async () => {
          magento = await startPeer(createMagentoSandbox({ token: 'contract-token' }));
        });
        afterAll(async () => {
          await magento?.close();
        });

        it('sends only requests stripe-mock accepts', async () => {
          const clients = {
            magento: new MagentoClient({
              baseUrl: `${magento.url}/rest/default`,
              auth: { kind: 'token', token: 'contract-token' },
            }),
            stripe,
          };
          const summary = await placeOrders(
            { orders: 3, declineRate: 0, fraudRate: 0, currency: 'mix', concurrency: 1, seed: 7 },
            clients,
          );
          expect(summary.placed).toBe(3);
          expect(seen.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents')).toHaveLength(3);
          expect(rejected()).toEqual([]);
          // stripe-mock answers fixtures (a PaymentIntent that still requires a payment method), never a Stripe error.
          expect(summary.errors.filter((e) => e.includes('failed:'))).toEqual([]);
        });
      });
    });

    describe('requests for replay and payout reconciliation', () => {
      it('lists events of given types created since a time', async () => {
        await expect(
          stripe.events.list({
            types: ['payment_intent.succeeded', 'charge.refunded'],
            created: { gte: 1_700_000_000 },
            limit: 100,
          }),
        ).resolves.toMatchObject({ object: 'list' });
      });

      it('reads a payout and lists its balance transactions', async () => {
        await expect(stripe.payouts.retrieve('po_123')).resolves.toMatchObject({ object: 'payout' });
        await expect(stripe.balanceTransactions.list({ payout: 'po_123', limit: 100 })).resolves.toMatchObject({
          object: 'list',
        });
        await expect(
          stripe.balanceTransactions.list({
            payout: 'po_123',
            limit: 100,
            expand: ['data.source'],
            starting_after: 'txn_123',
          }),
        ).resolves.toMatchObject({ object: 'list' });
      });

      it('reads a payout into the report store, an automatic one by payout and a manual one by its date window', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'stripe-mock-reports-'));
        try {
          const { collectPayoutTransactions } = createPayoutTransactionActivities(
            stripe,
            new FilePayoutReportStore(dir),
          );
          for (const automatic of [true, false]) {
            await new MockActivityEnvironment().run(collectPayoutTransactions, {
              payoutId: 'po_123',
              currency: 'USD',
              automatic,
              created: 1_800_000_000,
              readingId: `contract-${automatic}`,
            });
          }
          expect(seen.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(
            expect.arrayContaining(['GET /v1/balance_transactions', 'GET /v1/payouts']),
          );
          expect(rejected()).toEqual([]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });

    describe('the check can fail', () => {
      it('rejects a refund whose amount is not a number', async () => {
        await expect(
          stripe.refunds.create({ payment_intent: 'pi_123', amount: 'abc' as unknown as number }),
        ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      });

      it('rejects a parameter Stripe does not know, in a body and in a query', async () => {
        await expect(
          stripe.refunds.create({ payment_intent: 'pi_123', refund_everything: true } as Stripe.RefundCreateParams),
        ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        await expect(
          stripe.refunds.list({ payment_intent: 'pi_123', since: 5 } as Stripe.RefundListParams),
        ).rejects.toThrow(/validation/i);
        expect(rejected().map((r) => r.status)).toEqual([400, 400]);
      });
    });
  },
);
