import Stripe from 'stripe';
import { erpFailureKind } from '../../integrations/erp/failures';
import { magentoFailureKind } from '../../integrations/magento/failures';
import { stripeFailureKind } from '../../integrations/stripe/failures';
import { wmsFailureKind } from '../../integrations/wms/failures';
import { isBusinessRefusalType } from '../../domain/failures';

describe('each system says in its own words whose fault a failure is', () => {
  it.each([
    [429, { message: 'Too many requests' }, 'transient'],
    [503, '<html>Service Unavailable</html>', 'transient'],
    [401, { message: "The consumer isn't authorized to access %resources." }, 'misconfigured'],
    [403, { message: 'Forbidden' }, 'misconfigured'],
    [404, { message: 'Request does not match any route.' }, 'misconfigured'],
    [404, { message: "The entity that was requested doesn't exist. Verify the entity and try again." }, 'bad_data'],
    [
      400,
      { message: '"%fieldName" is required. Enter and try again.', parameters: { fieldName: 'entity' } },
      'bad_data',
    ],
    [400, { message: 'The order does not allow an invoice to be created.' }, 'business_refusal'],
    [400, { message: 'The order does not allow a shipment to be created.' }, 'business_refusal'],
    [
      400,
      { message: 'An invoice cannot be created when an order has a status of %1', parameters: ['holded'] },
      'business_refusal',
    ],
    [400, { message: 'A hold action is not available.' }, 'business_refusal'],
    [400, { message: 'The most money available to refund is %1.' }, 'business_refusal'],
    [422, { message: 'Unprocessable' }, 'bad_data'],
  ])('Magento %i %j → %s', (status, body, kind) => {
    expect(magentoFailureKind(status, body)).toBe(kind);
  });

  it.each([
    [429, {}, 'transient'],
    [502, '<html><title>502 Bad Gateway</title></html>', 'transient'],
    [401, { exc_type: 'AuthenticationError' }, 'misconfigured'],
    [403, { exc_type: 'PermissionError' }, 'misconfigured'],
    [
      404,
      { exc_type: 'DoesNotExistError', exception: 'frappe.exceptions.DoesNotExistError: DocType Sales Ordr not found' },
      'misconfigured',
    ],
    [
      404,
      { exc_type: 'DoesNotExistError', exception: 'frappe.exceptions.DoesNotExistError: Sales Order SO-9 not found' },
      'bad_data',
    ],
    [
      417,
      { exc_type: 'ValidationError', _server_messages: '["{\\"message\\": \\"Value missing for Customer\\"}"]' },
      'bad_data',
    ],
    [409, { exc_type: 'DuplicateEntryError' }, 'bad_data'],
    [400, {}, 'bad_data'],
  ])('ERPNext %i %j → %s', (status, body, kind) => {
    expect(erpFailureKind(status, body)).toBe(kind);
  });

  it.each([
    [429, {}, 'transient'],
    [500, {}, 'transient'],
    [401, { message: 'Unauthorized' }, 'misconfigured'],
    [403, { message: 'Forbidden' }, 'misconfigured'],
    [404, { message: 'Not Found' }, 'bad_data'],
    [400, { recipient: ['The Name field is required.'] }, 'bad_data'],
    [422, { reference_id: ['Cannot insert order with existing ReferenceId 100 (order 5)'] }, 'bad_data'],
    [
      422,
      {
        'products[0].reference_id': [
          'Product with ReferenceId MUG-1 is out of stock: no inventory available to fulfil 2',
        ],
      },
      'business_refusal',
    ],
    [422, { 'recipient.address': ['Invalid address: the address could not be verified'] }, 'business_refusal'],
    [422, { order: ['Order 5 cannot be cancelled: shipment 9 has already shipped'] }, 'bad_data'],
  ])('ShipBob %i %j → %s', (status, body, kind) => {
    expect(wmsFailureKind(status, body)).toBe(kind);
  });

  const raw = (statusCode: number, code?: string) => ({ message: 'x', statusCode, ...(code ? { code } : {}) });
  it.each([
    ['authentication', new Stripe.errors.StripeAuthenticationError(raw(401)), 'misconfigured'],
    ['permission', new Stripe.errors.StripePermissionError(raw(403)), 'misconfigured'],
    ['rate limit', new Stripe.errors.StripeRateLimitError(raw(429)), 'transient'],
    ['connection', new Stripe.errors.StripeConnectionError({ message: 'ECONNREFUSED' }), 'transient'],
    ['api 500', new Stripe.errors.StripeAPIError(raw(500)), 'transient'],
    ['resource_missing', new Stripe.errors.StripeInvalidRequestError(raw(404, 'resource_missing')), 'bad_data'],
    ['unknown route (wrong API base)', new Stripe.errors.StripeInvalidRequestError(raw(404)), 'misconfigured'],
    [
      'parameter_invalid',
      new Stripe.errors.StripeInvalidRequestError(raw(400, 'parameter_invalid_integer')),
      'bad_data',
    ],
    ['card declined', new Stripe.errors.StripeCardError(raw(402, 'card_declined')), 'business_refusal'],
    [
      'idempotency key reused',
      new Stripe.errors.StripeIdempotencyError(raw(400, 'idempotency_key_in_use')),
      'bad_data',
    ],
  ])('Stripe %s → %s', (_name, err, kind) => {
    expect(stripeFailureKind(err)).toBe(kind);
  });

  it('reads the failure types running histories already hold: an old WMS validation error is still the warehouse refusing', () => {
    expect(isBusinessRefusalType('BusinessRefusal')).toBe(true);
    expect(isBusinessRefusalType('WmsValidationError')).toBe(true);
    expect(isBusinessRefusalType('MagentoValidationError')).toBe(false);
    expect(isBusinessRefusalType('MappingError')).toBe(false);
    expect(isBusinessRefusalType('Misconfigured')).toBe(false);
  });
});
