import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { entityWorkflowArgs } from '../../domain/eventRouting';
import { intakeSearchAttributes, type StripeEventEnvelope } from '../../domain/stripeEvents';
import { skipUpdate } from '../../messages/runs';
import {
  fraudDecisionUpdate,
  shipmentEventSignal,
  shipmentSignal,
  type OrderOutcome,
  type OrderStatus,
} from '../../messages/order';
import type { IntakeResult, IntakeStatus } from '../../workflows/stripeEventIntake';
import { stepsInHistory } from '../harness/historySteps';
import { recordHistories } from '../harness/recordHistories';
import {
  externalError,
  moneyMovers,
  startMockedWorker,
  type MockedWorker,
  type Scenario,
  type System,
} from './mockedActivities';

jest.setTimeout(300_000);

/** Where each system is called on the order path, and a 4xx body in that system's own words. */
const steps: Array<{ system: System; activity: string; step: string }> = [
  { system: 'Stripe', activity: 'getPayment', step: 'payment' },
  { system: 'Magento', activity: 'loadOrderSnapshot', step: 'payment' },
  { system: 'Magento', activity: 'invoiceMagentoOrder', step: 'invoice' },
  { system: 'Erp', activity: 'upsertErpCustomer', step: 'ERP customer' },
  { system: 'Erp', activity: 'createErpSalesOrder', step: 'ERP sales order' },
  { system: 'Wms', activity: 'createWmsOrder', step: 'fulfilment' },
  { system: 'Magento', activity: 'shipMagentoOrder', step: 'shipment' },
  { system: 'Erp', activity: 'invoiceErpSalesOrder', step: 'ERP invoice' },
  { system: 'Erp', activity: 'createErpPaymentEntry', step: 'ERP payment' },
];
const statuses = [401, 403, 404, 400, 422];
const bodyOf = (system: System, status: number): unknown =>
  ({
    Magento: {
      message: status === 404 ? 'Request does not match any route.' : 'The "%fieldName" is required.',
      parameters: { fieldName: 'entity' },
    },
    Erp: {
      exc_type: status === 404 ? 'DoesNotExistError' : 'ValidationError',
      _server_messages: '["{\\"message\\": \\"Value missing\\"}"]',
    },
    Wms: { recipient: ['The Name field is required.'] },
    Stripe: {
      message: status === 404 ? 'No such payment_intent' : 'Invalid request',
      code: status === 404 ? 'resource_missing' : 'parameter_invalid',
    },
  })[system];

interface Row {
  injected: string;
  money: string;
  documents: string;
  run: string;
}

describe('the failure policy: only business refusals move money back, our own faults park the run', () => {
  let mocked: MockedWorker;
  let env: TestWorkflowEnvironment;
  let taskQueue: string;
  let scenarios: Map<string, Scenario>;
  let calls: MockedWorker['calls'];
  const table: Row[] = [];
  const recorded: Array<{ name: string; workflowId: string }> = [];
  let sequence = 0;

  beforeAll(async () => {
    mocked = await startMockedWorker('failure-policy');
    ({ env, taskQueue, scenarios, calls } = mocked);
  });
  afterAll(async () => {
    if (env) await recordHistories(env.client, recorded);
    await mocked?.close();
    if (table.length > 0) {
      mkdirSync(join(__dirname, '../../.data'), { recursive: true });
      const lines = [
        '| failure injected | money | documents | run |',
        '|---|---|---|---|',
        ...table.map((r) => `| ${r.injected} | ${r.money} | ${r.documents} | ${r.run} |`),
      ];
      writeFileSync(join(__dirname, '../../.data/failure-policy-table.md'), `${lines.join('\n')}\n`);
    }
  });

  const paymentEvent = (
    incrementId: string,
    type = 'payment_intent.succeeded',
    object: Record<string, unknown> = {},
  ): StripeEventEnvelope => ({
    id: `evt_${type}_${incrementId}_${(sequence += 1)}`,
    type,
    created: 1_790_000_000,
    livemode: false,
    objectId: `pi_${incrementId}`,
    object: {
      id: `pi_${incrementId}`,
      object: 'payment_intent',
      metadata: { magento_order_id: incrementId },
      ...object,
    },
  });

  async function start(
    scenario: Scenario,
    events?: (id: string) => StripeEventEnvelope[],
  ): Promise<{ id: string; handle: WorkflowHandle }> {
    const id = `FP-${(sequence += 1)}`;
    scenarios.set(`order:${id}`, scenario);
    const handle = await env.client.workflow.start('orderToCash', {
      workflowId: `order:${id}`,
      taskQueue,
      args: entityWorkflowArgs('orderToCash', id),
    });
    for (const event of events?.(id) ?? [paymentEvent(id)]) await handle.signal('stripeEvent', event);
    return { id, handle };
  }

  /** Polls the run: signals the shipment and the delivery when it waits for them, and returns as soon as it parks or ends. */
  async function until(handle: WorkflowHandle, stop: (s: OrderStatus) => boolean): Promise<OrderStatus> {
    let shipped = false;
    let delivered = false;
    for (let i = 0; i < 600; i++) {
      const status = await handle.query<OrderStatus>('status').catch(() => undefined);
      if (status && stop(status)) return status;
      if (status?.step === 'awaiting_shipment' && status.syncState === 'awaiting_shipment' && !shipped) {
        shipped = true;
        await handle.signal(shipmentSignal, {
          trackingNumber: '1Z999',
          carrier: 'UPS',
          shippedAt: '2026-11-29T09:00:00Z',
        });
      }
      if (status?.step === 'awaiting_delivery' && status.syncState === 'awaiting_delivery' && !delivered) {
        delivered = true;
        await handle.signal(shipmentEventSignal, { kind: 'delivered', webhookId: `msg_${handle.workflowId}` });
      }
      if ((await handle.describe()).status.name !== 'RUNNING') return ((await handle.result()) as OrderOutcome).status;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the run neither parked nor ended');
  }

  const parkedOrEnded = (s: OrderStatus) => s.syncState === 'needs_review';
  const called = (handle: WorkflowHandle, name: string) =>
    (calls.get(handle.workflowId) ?? []).filter((c) => c.name === name);
  const moved = (handle: WorkflowHandle) => moneyMovers.filter((name) => called(handle, name).length > 0);

  async function parkThenSkip(handle: WorkflowHandle): Promise<{ reason: string; outcome: OrderOutcome }> {
    const status = await until(handle, parkedOrEnded);
    expect(status.syncState).toBe('needs_review');
    const reason = status.reviewReason!;
    await handle.executeUpdate(skipUpdate, { args: [{ operator: 'test' }] });
    return { reason, outcome: await handle.result() };
  }

  for (const { system, activity, step } of steps) {
    it(`parks on 401, 403, 404, 400 and 422 from ${system} at ${step} (${activity}), touching no money and no document`, async () => {
      for (const status of statuses) {
        const { handle } = await start({
          failing: { [activity]: () => externalError(system, status, bodyOf(system, status)) },
        });
        const { reason, outcome } = await parkThenSkip(handle);
        expect(reason).toContain(String(status));
        expect(moved(handle)).toEqual([]);
        expect(outcome.outcome).toBe('skipped');
        expect((await handle.describe()).status.name).toBe('COMPLETED');
        if (status === 401 && activity === 'createErpSalesOrder')
          recorded.push({ name: 'order-parked-misconfigured-skipped', workflowId: handle.workflowId });
        table.push({
          injected: `${system} ${status} at ${step}`,
          money: 'untouched',
          documents: 'none reversed',
          run: `parked: ${reason.slice(0, 60)}…`,
        });
      }
    });
  }

  it('reverses the order when the warehouse refuses the goods (out of stock): the only 4xx that moves money back', async () => {
    const { handle } = await start({
      failing: {
        createWmsOrder: () =>
          externalError('Wms', 422, {
            'products[0].reference_id': [
              'Product with ReferenceId MUG-1 is out of stock: no inventory available to fulfil 2',
            ],
          }),
      },
    });
    const outcome: OrderOutcome = await handle.result();
    expect(outcome.outcome).toBe('compensated');
    expect(outcome.reason).toMatch(/warehouse refused the order: .*out of stock/);
    expect(moved(handle)).toEqual(
      expect.arrayContaining(['refundPayment', 'creditMagentoOrder', 'cancelErpSalesOrder']),
    );
    table.push({
      injected: 'WMS 422 out of stock (business refusal)',
      money: 'refunded',
      documents: 'credit memo, ERP SO cancelled',
      run: 'compensated',
    });
  });

  it('parks (no refund) when Magento refuses the invoice for the order as it stands: a refusal the process does not expect there', async () => {
    const { handle } = await start({
      failing: {
        invoiceMagentoOrder: () =>
          externalError('Magento', 400, { message: 'The order does not allow an invoice to be created.' }),
      },
    });
    const { reason } = await parkThenSkip(handle);
    expect(reason).toContain('does not allow an invoice');
    expect(moved(handle)).toEqual([]);
    table.push({
      injected: 'Magento 400 "does not allow an invoice" at invoice',
      money: 'untouched',
      documents: 'none reversed',
      run: 'parked',
    });
  });

  it('parks on a mapping error raised in workflow code (an item with no SKU) instead of failing the workflow task', async () => {
    const { handle } = await start({
      order: {
        items: [
          { item_id: 1, sku: '', name: 'Gift', qty_ordered: 1, price: 45, row_total: 45, product_type: 'simple' },
        ],
      } as never,
    });
    const { reason } = await parkThenSkip(handle);
    expect(reason).toMatch(/MappingError: .*has no SKU/);
    expect(moved(handle)).toEqual([]);
    recorded.push({ name: 'order-parked-mapping-error', workflowId: handle.workflowId });
    table.push({
      injected: 'mapping error in workflow code (item without SKU)',
      money: 'untouched',
      documents: 'none reversed',
      run: 'parked',
    });
  });

  it('parks on a money error (a currency code that is not ISO 4217) at the amount check', async () => {
    const { handle } = await start({ order: { order_currency_code: 'EURO' }, payment: { currency: 'EURO' } });
    const { reason } = await parkThenSkip(handle);
    expect(reason).toMatch(/MoneyError: not an ISO 4217 currency code: "EURO"/);
    expect(moved(handle)).toEqual([]);
    table.push({
      injected: 'money error (currency code EURO)',
      money: 'untouched',
      documents: 'none reversed',
      run: 'parked',
    });
  });

  it("parks an ERP order whose total would not equal Magento's grand total (store credit the mapping does not carry)", async () => {
    const { handle } = await start({ order: { grand_total: 40 }, payment: { amountMinor: 4000 } });
    const { reason } = await parkThenSkip(handle);
    expect(reason).toMatch(/ERP order would total 50\.00 USD but Magento's grand total is 40\.00 USD/);
    expect(called(handle, 'createErpSalesOrder')).toHaveLength(0);
    expect(moved(handle)).toEqual([]);
    table.push({
      injected: 'ERP total ≠ Magento grand total (store credit)',
      money: 'untouched',
      documents: 'no ERP order booked',
      run: 'parked',
    });
  });

  it('captures an authorise-only payment after an approved fraud hold, and only then invoices', async () => {
    const { handle, id } = await start(
      {
        payment: {
          status: 'requires_capture',
          captureMethod: 'manual',
          amountCapturableMinor: 5000,
          riskScore: 90,
          riskLevel: 'elevated',
        },
      },
      (i) => [paymentEvent(i, 'payment_intent.amount_capturable_updated')],
    );
    await until(handle, (s) => s.syncState === 'fraud_hold');
    await expect(
      handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision: 'approve', reviewer: 'ops' }] }),
    ).resolves.toEqual({ decision: 'approve' });
    await expect(
      handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision: 'reject', reviewer: 'ops2' }] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/^already decided/) } });
    const status = await until(handle, () => false);
    expect(status.step).toBe('completed');
    const names = (calls.get(`order:${id}`) ?? []).map((c) => c.name);
    expect(names.indexOf('capturePayment')).toBeGreaterThan(-1);
    expect(names.indexOf('capturePayment')).toBeLessThan(names.indexOf('invoiceMagentoOrder'));
    expect(moved(handle)).toEqual([]);
    recorded.push({ name: 'order-manual-capture-approved', workflowId: handle.workflowId });
    table.push({
      injected: 'manual capture, hold approved',
      money: 'captured once',
      documents: 'invoice after capture',
      run: 'completed',
    });
  });

  it('releases the authorisation (no refund) when the hold on an authorise-only payment is rejected', async () => {
    const { handle } = await start(
      { payment: { status: 'requires_capture', captureMethod: 'manual', amountCapturableMinor: 5000, riskScore: 90 } },
      (i) => [paymentEvent(i, 'payment_intent.amount_capturable_updated')],
    );
    await until(handle, (s) => s.syncState === 'fraud_hold');
    await handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision: 'reject', reviewer: 'ops' }] });
    const outcome: OrderOutcome = await handle.result();
    expect(outcome.outcome).toBe('compensated');
    expect(called(handle, 'cancelAuthorization')).toHaveLength(1);
    expect(called(handle, 'refundPayment')).toHaveLength(0);
    expect(called(handle, 'capturePayment')).toHaveLength(0);
    recorded.push({ name: 'order-manual-capture-rejected', workflowId: handle.workflowId });
    table.push({
      injected: 'manual capture, hold rejected (business refusal)',
      money: 'authorisation released, nothing refunded',
      documents: 'Magento order cancelled',
      run: 'compensated',
    });
  });

  it('answers "not held" to a fraud decision for an order that is not on hold', async () => {
    const { handle } = await start({});
    await until(handle, (s) => s.step === 'awaiting_shipment');
    await expect(
      handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision: 'approve', reviewer: 'ops' }] }),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/^not held/) } });
    await until(handle, () => false);
  });

  it('holds the order again when an early fraud warning arrives after the gate but before shipment', async () => {
    const { handle, id } = await start({});
    const waitForWarehouse = async () => {
      for (let i = 0; i < 200; i++) {
        const s = await handle.query<OrderStatus>('status');
        if (s.syncState === 'awaiting_shipment') return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('never awaited shipment');
    };
    await waitForWarehouse();
    await handle.signal('stripeEvent', {
      ...paymentEvent(id, 'radar.early_fraud_warning.created', { fraud_type: 'misc' }),
    });
    const held = await until(handle, (s) => s.syncState === 'fraud_hold');
    expect(held.fraud?.reasons.join(' ')).toMatch(/early fraud warning/);
    await handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision: 'reject', reviewer: 'ops' }] });
    const outcome: OrderOutcome = await handle.result();
    expect(outcome.outcome).toBe('compensated');
    expect(called(handle, 'refundPayment')).toHaveLength(1);
    expect(called(handle, 'cancelWmsOrder')).toHaveLength(1);
    recorded.push({ name: 'order-late-fraud-warning-rejected', workflowId: handle.workflowId });
    table.push({
      injected: 'late early fraud warning before shipment, rejected',
      money: 'refunded',
      documents: 'WMS order cancelled, credit memo',
      run: 'compensated',
    });
  });

  it('shows a fraud flag raised while the order is held on that hold, so one approval covers it and the order is not held again', async () => {
    const { handle, id } = await start({ payment: { riskScore: 90, riskLevel: 'elevated' } });
    await until(handle, (s) => s.syncState === 'fraud_hold');
    await handle.signal('stripeEvent', paymentEvent(id, 'review.opened', { object: 'review', reason: 'rule' }));
    const shown = await until(handle, (s) => (s.fraud?.reasons ?? []).some((r) => /opened a review/.test(r)));
    expect(shown.syncState).toBe('fraud_hold');
    expect((await handle.describe()).memo?.fraudHold).toMatchObject({
      reasons: expect.arrayContaining([expect.stringMatching(/opened a review/)]),
    });
    await handle.executeUpdate(fraudDecisionUpdate, { args: [{ decision: 'approve', reviewer: 'ops' }] });
    const status = await until(handle, () => false);
    expect(status.step).toBe('completed');
    expect(called(handle, 'holdMagentoOrder')).toHaveLength(1);
    expect(moved(handle)).toEqual([]);
  });

  it('lets the order go ahead when Stripe closes the Radar review of a held order as approved, with no refund', async () => {
    const { handle, id } = await start({ payment: { riskScore: 90, riskLevel: 'elevated' } });
    await until(handle, (s) => s.syncState === 'fraud_hold');
    await handle.signal('stripeEvent', paymentEvent(id, 'review.closed', { object: 'review', reason: 'approved' }));
    const status = await until(handle, () => false);
    expect(status.step).toBe('completed');
    expect(status.fraud?.decision).toEqual({ decision: 'approve', reviewer: 'Stripe Radar review' });
    expect(called(handle, 'unholdMagentoOrder')).toHaveLength(1);
    expect(moved(handle)).toEqual([]);
    recorded.push({ name: 'order-radar-review-approved', workflowId: handle.workflowId });
    table.push({
      injected: 'Radar review closed as approved during a hold',
      money: 'kept',
      documents: 'unheld, invoiced',
      run: 'completed',
    });
  });

  it('cancels the Magento order when the PaymentIntent is canceled, without any refund', async () => {
    const { handle } = await start({ payment: { status: 'canceled', canceledAt: '2026-11-28T11:00:00Z' } }, (i) => [
      paymentEvent(i, 'payment_intent.canceled'),
    ]);
    const outcome: OrderOutcome = await handle.result();
    expect(outcome.outcome).toBe('canceled');
    expect(called(handle, 'cancelMagentoOrder')).toHaveLength(1);
    expect(called(handle, 'refundPayment')).toHaveLength(0);
    recorded.push({ name: 'order-payment-canceled', workflowId: handle.workflowId });
    table.push({
      injected: 'payment_intent.canceled',
      money: 'none taken',
      documents: 'Magento order cancelled',
      run: 'ended canceled',
    });
  });

  it('sends a pay-again Checkout link with a decline, and continues the same order when the retry succeeds', async () => {
    const { handle, id } = await start(
      { payment: { status: 'requires_payment_method', declineCode: 'card_declined' } },
      (i) => [
        paymentEvent(i, 'payment_intent.payment_failed', { last_payment_error: { decline_code: 'card_declined' } }),
      ],
    );
    await until(handle, (s) => s.step === 'payment_failed' && called(handle, 'notifyCustomer').length > 0);
    const [link] = called(handle, 'createRetryCheckoutSession');
    expect(link?.input).toMatchObject({ incrementId: id, amountMinor: 5000, currency: 'USD' });
    expect(called(handle, 'notifyCustomer')[0]?.input).toMatchObject({
      detail: expect.stringContaining(`https://checkout.example/cs_${id}`),
    });
    scenarios.get(`order:${id}`)!.payment = {};
    await handle.signal('stripeEvent', paymentEvent(id));
    const status = await until(handle, () => false);
    expect(status.step).toBe('completed');
    expect(called(handle, 'expireCheckoutSession')).toHaveLength(1);
    recorded.push({ name: 'order-declined-paid-again', workflowId: handle.workflowId });
  });

  it('sends each notice once, however often the step that sends it runs again', async () => {
    const { handle } = await start({
      failing: { createErpSalesOrder: () => externalError('Erp', 417, { exc_type: 'ValidationError' }) },
    });
    await until(handle, parkedOrEnded);
    expect(called(handle, 'notifyMerchant')).toHaveLength(0);
    await handle.executeUpdate(skipUpdate, { args: [{}] });
    await handle.result();
  });
});

describe('intake never ends Failed', () => {
  let mocked: MockedWorker;
  beforeAll(async () => {
    mocked = await startMockedWorker('intake-policy');
  });
  afterAll(() => mocked?.close());

  it('parks a review whose PaymentIntent Stripe no longer returns (resource_missing), and an operator can skip it; its steps are local activities', async () => {
    const eventId = 'evt_missing_1';
    const { env, taskQueue, scenarios } = mocked;
    const workflowId = `stripe:${eventId}`;
    scenarios.set(workflowId, {
      failing: {
        orderReferenceOfPaymentIntent: () =>
          externalError('Stripe', 404, { message: 'No such payment_intent: pi_gone', code: 'resource_missing' }),
      },
    });
    const envelope = {
      id: eventId,
      type: 'review.opened',
      created: 1_790_000_000,
      livemode: false,
      objectId: 'prv_1',
      object: { id: 'prv_1', payment_intent: 'pi_gone' },
    };
    const handle = await env.client.workflow.start('stripeEventIntake', {
      workflowId,
      taskQueue,
      args: [envelope],
      typedSearchAttributes: intakeSearchAttributes(envelope),
    });
    let status: IntakeStatus | undefined;
    for (let i = 0; i < 200 && status?.syncState !== 'needs_review'; i++) {
      status = await handle.query<IntakeStatus>('status').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status?.reviewReason).toMatch(/resource_missing/);
    const history = await handle.fetchHistory();
    const steps = stepsInHistory(history);
    expect({ localActivityMarkers: steps.localActivityMarkers, activityTasks: steps.activityTasks > 0 }).toEqual({
      localActivityMarkers: true,
      activityTasks: false,
    });
    await handle.executeUpdate(skipUpdate, { args: [{ operator: 'test' }] });
    const result: IntakeResult = await handle.result();
    expect(result.outcome).toBe('skipped');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await recordHistories(env.client, [{ name: 'intake-parked-resource-missing', workflowId }]);
  });
});
