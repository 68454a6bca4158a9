import type { ValidateFunction } from 'ajv';
import { renewalOrderFor } from '../../../domain/subscriptions';
import {
  describeIfMagentoSchema,
  loadMagentoSchema,
  type Json,
  type MagentoSchema,
  type SchemaMode,
} from '../../harness/magentoSchema';
import { searchParams, startMagento, type RunningMagento } from './magentoHelpers';

/**
 * Checks the sandbox against Magento's own admin REST schema (Swagger 2.0): every request body it accepted
 * must validate strictly against the path's body parameter, every answer leniently against the response
 * schema (real Magento omits nulls, so required fields may be missing, but a present field must have the
 * schema's type).
 */
interface Exchange {
  method: string;
  path: string;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

const describeIfSchema = describeIfMagentoSchema('Magento contract test');

describeIfSchema('Magento sandbox against Magento’s admin REST schema', () => {
  let contract: MagentoSchema;
  let magento: RunningMagento;
  const exchanges: Exchange[] = [];

  const validatorFor = (key: string, json: Json, mode: SchemaMode): ValidateFunction =>
    contract.validatorFor(key, json, mode);
  const bodySchema = (template: string, method: string) => contract.bodySchema(template, method);
  const responseSchema = (template: string, method: string, status: number) =>
    contract.responseSchema(template, method, status);
  const templateFor = (method: string, urlPath: string) => contract.templateFor(method, urlPath);

  const call = async (
    method: 'get' | 'post' | 'put',
    urlPath: string,
    body?: unknown,
    params?: Record<string, string>,
  ) => {
    const res = await magento.api.request({ method, url: urlPath, data: body, params });
    exchanges.push({ method, path: `/V1${urlPath}`, requestBody: body, status: res.status, responseBody: res.data });
    return res;
  };

  const address = {
    firstname: 'Ada',
    lastname: 'Lovelace',
    street: ['12 Analytical Row'],
    city: 'London',
    postcode: 'N1 9GU',
    country_id: 'GB',
    telephone: '+44 20 7946 0000',
  };

  beforeAll(async () => {
    contract = loadMagentoSchema();
    magento = await startMagento();

    const customer = await call('post', '/customers', {
      customer: {
        email: 'ada@example.com',
        firstname: 'Ada',
        lastname: 'Lovelace',
        website_id: 1,
        addresses: [
          {
            ...address,
            region: { region_code: 'LND', region: 'London', region_id: 0 },
            default_billing: true,
            default_shipping: true,
          },
        ],
      },
      password: 'Sandbox-Pass-123',
    });
    const customerId = customer.data.id as number;
    await call('get', `/customers/${customerId}`);
    await call('put', `/customers/${customerId}`, {
      customer: {
        id: customerId,
        email: 'ada.lovelace@example.com',
        firstname: 'Ada',
        lastname: 'King',
        website_id: 1,
      },
    });
    await call(
      'get',
      '/customers/search',
      undefined,
      searchParams({
        '[filter_groups][0][filters][0][field]': 'email',
        '[filter_groups][0][filters][0][value]': '%lovelace%',
        '[filter_groups][0][filters][0][condition_type]': 'like',
        '[pageSize]': 10,
        '[currentPage]': 1,
      }),
    );
    await call('post', '/customers', {
      customer: { email: 'ada.lovelace@example.com', firstname: 'Ada', lastname: 'King' },
    });

    const entity = {
      customer_email: 'ada.lovelace@example.com',
      customer_firstname: 'Ada',
      customer_lastname: 'King',
      customer_id: customerId,
      customer_is_guest: 0,
      order_currency_code: 'EUR',
      base_currency_code: 'EUR',
      subtotal: 45,
      base_subtotal: 45,
      shipping_amount: 5,
      base_shipping_amount: 5,
      tax_amount: 0,
      base_tax_amount: 0,
      discount_amount: 0,
      base_discount_amount: 0,
      grand_total: 50,
      base_grand_total: 50,
      items: [
        {
          sku: 'MUG-1',
          name: 'Mug',
          qty_ordered: 2,
          price: 10,
          base_price: 10,
          row_total: 20,
          base_row_total: 20,
          product_type: 'simple',
        },
        {
          item_id: 1,
          sku: 'TEE-M',
          name: 'Tee',
          qty_ordered: 1,
          price: 25,
          base_price: 25,
          row_total: 25,
          base_row_total: 25,
          product_type: 'configurable',
        },
        {
          item_id: 2,
          sku: 'TEE-M',
          name: 'Tee M',
          qty_ordered: 1,
          price: 0,
          row_total: 0,
          product_type: 'simple',
          parent_item_id: 1,
        },
      ],
      billing_address: { ...address, address_type: 'billing', email: 'ada.lovelace@example.com' },
      payment: {
        method: 'stripe_payments',
        account_status: 'active',
        additional_information: ['pi_123'],
        cc_last4: '4242',
      },
      extension_attributes: {
        shipping_assignments: [
          { shipping: { address: { ...address, address_type: 'shipping' }, method: 'flatrate_flatrate' }, items: [] },
        ],
      },
    };
    const order = await call('post', '/orders', { entity });
    const orderId = order.data.entity_id as number;
    const [mug] = order.data.items as { item_id: number }[];
    await call('get', `/orders/${orderId}`);
    await call('post', `/orders/${orderId}/comments`, {
      statusHistory: {
        comment: 'Fraud check passed',
        is_customer_notified: 0,
        is_visible_on_front: 0,
        parent_id: orderId,
        status: 'pending',
      },
    });
    await call('get', `/orders/${orderId}/comments`);
    await call('post', `/orders/${orderId}/hold`);
    await call('post', `/order/${orderId}/invoice`, { capture: true });
    await call('post', `/orders/${orderId}/unhold`);
    const invoice = await call('post', `/order/${orderId}/invoice`, {
      capture: false,
      items: [{ order_item_id: mug?.item_id, qty: 2 }],
      notify: false,
      appendComment: true,
      comment: { comment: 'Captured in Stripe', is_visible_on_front: 0 },
    });
    await call('post', `/order/${orderId}/invoice`, {
      capture: false,
      notify: false,
      arguments: { extension_attributes: {} },
    });
    const shipment = await call('post', `/order/${orderId}/ship`, {
      items: [{ order_item_id: mug?.item_id, qty: 2 }],
      notify: true,
      appendComment: true,
      comment: { comment: 'Shipped', is_visible_on_front: 1 },
      tracks: [{ track_number: '1Z999AA10123456784', title: 'UPS', carrier_code: 'ups' }],
    });
    await call('post', `/order/${orderId}/ship`, {});
    await call('get', `/orders/${orderId}/statuses`);
    await call('post', `/order/${orderId}/refund`, { items: [], arguments: { adjustment_positive: 100 } });
    const memo = await call('post', `/order/${orderId}/refund`, {
      items: [{ order_item_id: mug?.item_id, qty: 1 }],
      notify: false,
      appendComment: true,
      comment: { comment: 'Returned one mug', is_visible_on_front: 0 },
      arguments: {
        shipping_amount: 2,
        adjustment_positive: 1.5,
        adjustment_negative: 0.5,
        extension_attributes: { return_to_stock_items: [mug?.item_id] },
      },
    });
    await call('post', `/orders/${orderId}/cancel`);
    const byOrder = searchParams({
      '[filter_groups][0][filters][0][field]': 'order_id',
      '[filter_groups][0][filters][0][value]': orderId,
    });
    await call('get', '/invoices', undefined, byOrder);
    await call('get', '/shipments', undefined, byOrder);
    await call('get', '/creditmemos', undefined, byOrder);
    await call('get', `/invoices/${invoice.data}`);
    await call('get', `/shipment/${shipment.data}`);
    await call('get', `/creditmemo/${memo.data}`);
    await call('post', `/creditmemo/${memo.data}/comments`, {
      entity: {
        parent_id: memo.data,
        comment: 'Stripe refund re_123',
        is_customer_notified: 0,
        is_visible_on_front: 0,
      },
    });
    await call('post', `/creditmemo/${memo.data}/comments`, {
      entity: { comment: 'No parent', is_customer_notified: 0, is_visible_on_front: 0 },
    });
    await call('get', `/creditmemo/${memo.data}/comments`);
    await call(
      'get',
      '/orders',
      undefined,
      searchParams({
        '[filter_groups][0][filters][0][field]': 'state',
        '[filter_groups][0][filters][0][value]': 'processing,complete',
        '[filter_groups][0][filters][0][condition_type]': 'in',
        '[sortOrders][0][field]': 'created_at',
        '[sortOrders][0][direction]': 'DESC',
        '[pageSize]': 5,
        '[currentPage]': 1,
      }),
    );

    const second = await call('post', '/orders', {
      entity: { ...entity, customer_id: undefined, customer_is_guest: 1, increment_id: 'WEB-2' },
    });
    await call('post', `/orders/${second.data.entity_id}/cancel`);
    await call('post', `/orders/${second.data.entity_id}/hold`);
    // A subscription's renewal order (domain/subscriptions.ts) and the subscriber's state on the customer, as the product sends them.
    const renewal = renewalOrderFor(
      {
        invoiceId: 'in_contract',
        subscriptionId: 'sub_contract',
        customerEmail: 'ada.lovelace@example.com',
        customerName: 'Ada King',
        status: 'paid',
        currency: 'KWD',
        subtotalMinor: 11_240,
        totalMinor: 10_995,
        amountPaidMinor: 10_995,
        amountDueMinor: 10_995,
        attemptCount: 1,
        createdAt: '2026-11-30T00:00:00Z',
        shipTo: { name: 'Ada King', line1: '12 Analytical Row', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
        lines: [
          {
            description: 'Coffee box, large',
            sku: 'COFFEE-BOX-L',
            quantity: 1,
            amountMinor: 8_660,
            discountMinor: 1_299,
            taxMinor: 736,
            taxInclusive: false,
            proration: true,
            shipping: false,
          },
          {
            description: 'Unused time on Coffee box',
            sku: 'COFFEE-BOX',
            quantity: 1,
            amountMinor: -4_900,
            discountMinor: -735,
            taxMinor: -417,
            taxInclusive: false,
            proration: true,
            shipping: false,
          },
          {
            description: 'Delivery',
            sku: 'DELIVERY',
            quantity: 1,
            amountMinor: 7_480,
            discountMinor: 0,
            taxMinor: 0,
            taxInclusive: false,
            proration: false,
            shipping: true,
          },
        ],
      },
      { ordersForZeroInvoices: false, storeId: 1 },
    );
    await call('post', '/orders', { entity: renewal });
    const read = await call('get', `/customers/${customerId}`);
    await call('put', `/customers/${customerId}`, {
      customer: {
        ...read.data,
        custom_attributes: [{ attribute_code: 'stripe_subscription', value: 'sub_contract active: COFFEE-BOX × 1' }],
      },
    });

    await call('get', '/orders/9999');
    await call('get', '/customers/9999');
    const unauthorized = await magento.api.get(`/orders/${orderId}`, { headers: { Authorization: 'Bearer wrong' } });
    exchanges.push({
      method: 'get',
      path: `/V1/orders/${orderId}`,
      requestBody: undefined,
      status: unauthorized.status,
      responseBody: unauthorized.data,
    });
  });
  afterAll(() => magento?.close());

  it('ran every scenario, including refusals', () => {
    const statuses = new Set(exchanges.map((e) => e.status));
    expect([...statuses].sort()).toEqual([200, 400, 401, 404]);
    expect(exchanges.length).toBeGreaterThan(30);
  });

  it('maps every exchange onto a path of the schema', () => {
    const unmapped = exchanges.filter((e) => !templateFor(e.method, e.path)).map((e) => `${e.method} ${e.path}`);
    expect(unmapped).toEqual([]);
  });

  it('sent only request bodies that validate strictly against the path’s body parameter', () => {
    const failures: string[] = [];
    for (const e of exchanges.filter((x) => x.status === 200 && x.requestBody !== undefined)) {
      const template = templateFor(e.method, e.path) ?? '';
      const schema = bodySchema(template, e.method);
      if (!schema) {
        failures.push(`${e.method} ${template}: no body parameter in the schema`);
        continue;
      }
      const validate = validatorFor(`body ${e.method} ${template}`, schema, 'strict');
      if (!validate(e.requestBody)) failures.push(`${e.method} ${e.path}: ${contract.errorsText(validate, 'strict')}`);
    }
    expect(failures).toEqual([]);
  });

  it('answered with bodies whose fields have the schema’s types (success and error responses alike)', () => {
    const failures: string[] = [];
    for (const e of exchanges) {
      const template = templateFor(e.method, e.path) ?? '';
      const schema = responseSchema(template, e.method, e.status);
      if (!schema) {
        failures.push(`${e.method} ${template} ${e.status}: no response schema`);
        continue;
      }
      const validate = validatorFor(`response ${e.method} ${template} ${e.status}`, schema, 'lenient');
      if (!validate(e.responseBody))
        failures.push(`${e.method} ${e.path} ${e.status}: ${contract.errorsText(validate, 'lenient')}`);
    }
    expect(failures).toEqual([]);
  });

  it('has validators that reject wrong bodies (self-check)', () => {
    const orderSchema = responseSchema('/V1/orders/{id}', 'get', 200) ?? {};
    const orderResponse = validatorFor('response get /V1/orders/{id} 200', orderSchema, 'lenient');
    expect(orderResponse({ entity_id: 1, grand_total: 50, items: [] })).toBe(true);
    expect(orderResponse({ entity_id: '1', grand_total: '50.0000', items: [] })).toBe(false);
    expect(orderResponse({ entity_id: 1, items: [{ sku: 'X', qty_ordered: 'two' }] })).toBe(false);
    expect(orderResponse({ entity_id: 1, customer_id: null, items: [] })).toBe(false);

    const createBody = validatorFor('body post /V1/orders', bodySchema('/V1/orders', 'post') ?? {}, 'strict');
    expect(
      createBody({
        entity: { customer_email: 'a@example.com', grand_total: 1, base_grand_total: 1, items: [{ sku: 'X' }] },
      }),
    ).toBe(true);
    expect(
      createBody({
        entity: {
          customer_email: 'a@example.com',
          grand_total: 1,
          base_grand_total: 1,
          items: [{ sku: 'X' }],
          made_up_field: 1,
        },
      }),
    ).toBe(false);
    expect(createBody({ entity: { customer_email: 'a@example.com', grand_total: 1, items: [{ sku: 'X' }] } })).toBe(
      false,
    );
    expect(createBody({ order: {} })).toBe(false);

    const errorResponse = validatorFor('error-response', { $ref: '#/definitions/error-response' }, 'lenient');
    expect(errorResponse({ message: 'x', parameters: ['$1.00'] })).toBe(true);
    expect(errorResponse({ message: 'x', parameters: { resources: 'Magento_Sales::actions_view' } })).toBe(true);
    expect(errorResponse({ message: 42 })).toBe(false);
  });
});
