import {
  entityWorkflowArgs,
  handledEventTypes,
  isHandledEventType,
  magentoOrderIdFromMetadata,
  redundantEventReason,
  routeStripeEvent,
} from '../../domain/eventRouting';

const event = (type: string, object: Record<string, unknown>) => ({ type, object });

describe('routing Stripe events to the workflow of their entity', () => {
  it('routes a paid PaymentIntent to the order named in its metadata', () => {
    expect(
      routeStripeEvent(event('payment_intent.succeeded', { id: 'pi_1', metadata: { magento_order_id: '000000123' } })),
    ).toEqual({ kind: 'route', workflowType: 'orderToCash', workflowId: 'order:000000123', businessKey: '000000123' });
  });

  it('accepts the official Stripe Magento module\'s "Order #" metadata', () => {
    expect(magentoOrderIdFromMetadata({ 'Order #': '#000000042' })).toBe('000000042');
    expect(
      routeStripeEvent(event('charge.succeeded', { id: 'ch_1', metadata: { 'Order #': '000000042' } })),
    ).toMatchObject({ kind: 'route', workflowId: 'order:000000042' });
  });

  it('refuses order references that are not increment ids', () => {
    expect(magentoOrderIdFromMetadata({ magento_order_id: '12; DROP TABLE' })).toBeUndefined();
    expect(magentoOrderIdFromMetadata({ magento_order_id: 42 })).toBeUndefined();
    expect(magentoOrderIdFromMetadata(null)).toBeUndefined();
  });

  it('parks a payment without order metadata for review, with a reason a merchant understands', () => {
    const decision = routeStripeEvent(event('payment_intent.succeeded', { id: 'pi_2', metadata: {} }));
    expect(decision).toEqual({ kind: 'unroutable', reason: expect.stringContaining('pi_2 has no magento_order_id') });
  });

  it('leaves subscription invoice payments to their own workflow', () => {
    expect(
      routeStripeEvent(event('payment_intent.succeeded', { id: 'pi_3', metadata: {}, invoice: 'in_1' })).kind,
    ).toBe('notForUs');
  });

  it('looks up the PaymentIntent for reviews, disputes and early fraud warnings', () => {
    expect(routeStripeEvent(event('review.opened', { id: 'prv_1', payment_intent: 'pi_9', charge: 'ch_9' }))).toEqual({
      kind: 'lookupPaymentIntent',
      paymentIntentId: 'pi_9',
    });
    expect(
      routeStripeEvent(event('radar.early_fraud_warning.created', { id: 'issfr_1', charge: { id: 'ch_9' } })),
    ).toEqual({ kind: 'lookupCharge', chargeId: 'ch_9' });
  });

  it("routes a paid payout, its completed reconciliation, and its failure or cancellation to the payout's reconciliation run", () => {
    for (const type of ['payout.paid', 'payout.reconciliation_completed', 'payout.failed', 'payout.canceled']) {
      expect(routeStripeEvent(event(type, { id: 'po_1Abc', object: 'payout', amount: 1234 }))).toEqual({
        kind: 'route',
        workflowType: 'payoutReconciliation',
        workflowId: 'payout:po_1Abc',
        businessKey: 'po_1Abc',
      });
    }
    expect(routeStripeEvent(event('payout.paid', { id: 'po_../x' }))).toMatchObject({ kind: 'unroutable' });
    expect(routeStripeEvent(event('payout.paid', {}))).toEqual({
      kind: 'unroutable',
      reason: 'the payout event names no payout id (got null)',
    });
    expect(isHandledEventType('payout.created')).toBe(false);
  });

  it("starts each entity's workflow with its own arguments, the order's exactly as recorded histories have them", () => {
    expect(entityWorkflowArgs('orderToCash', '000000123')).toEqual([{ incrementId: '000000123' }]);
    expect(entityWorkflowArgs('payoutReconciliation', 'po_1Abc')).toEqual([{ payoutId: 'po_1Abc' }]);
  });

  it('handles only the types in the table', () => {
    expect(isHandledEventType('payment_intent.succeeded')).toBe(true);
    expect(isHandledEventType('customer.tax_id.created')).toBe(false);
    expect(isHandledEventType('__proto__')).toBe(false);
    expect(handledEventTypes).toContain('charge.dispute.created');
    expect(handledEventTypes).toEqual(expect.arrayContaining(['payout.paid', 'payout.reconciliation_completed']));
  });

  it('calls redundant only what another event carries: a PaymentIntent’s charge.succeeded, a guest customer’s customer.created echo', () => {
    expect(redundantEventReason(event('charge.succeeded', { id: 'ch_1', payment_intent: 'pi_1' }))).toMatch(
      /PaymentIntent pi_1/,
    );
    expect(redundantEventReason(event('charge.succeeded', { id: 'ch_1', payment_intent: null }))).toBeUndefined();
    expect(redundantEventReason(event('payment_intent.succeeded', { id: 'pi_1' }))).toBeUndefined();
    expect(redundantEventReason(event('customer.created', { id: 'cus_1', metadata: { o2c_guest: 'true' } }))).toMatch(
      /guest/,
    );
    expect(
      redundantEventReason(event('customer.updated', { id: 'cus_1', metadata: { o2c_guest: 'true' } })),
    ).toBeUndefined();
    expect(redundantEventReason(event('customer.created', { id: 'cus_1', metadata: {} }))).toBeUndefined();
  });
});
