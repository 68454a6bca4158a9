import axios from 'axios';
import { MagentoClient } from '../../integrations/magento/client';
import { createMagentoCustomerSyncActivities } from '../../activities/magento/customerSync';
import type { SyncedCustomer } from '../../domain/customerMapping';
import type { RecordedRequest } from '../../sandbox/kit/requestLog';
import { describeIfMagentoSchema, loadMagentoSchema, type MagentoSchema } from '../harness/magentoSchema';
import { bearerToken, startMagento, type RunningMagento } from './sandbox/magentoHelpers';

/**
 * The customer bodies the product sends to Magento (activities/magento/customerSync.ts: create and save with the
 * synced fields, the addresses and the sync's custom attributes), taken from the sandbox's request log and checked
 * strictly against Magento 2.4.9's admin REST schema: a field Magento does not know fails here, not in production.
 */
const describeIfSchema = describeIfMagentoSchema('Magento customer contract test');

describeIfSchema('the customer sync’s Magento requests against Magento’s admin REST schema', () => {
  let contract: MagentoSchema;
  let magento: RunningMagento;
  let sent: RecordedRequest[];
  const storePrefix = /^\/rest\/[^/]+(?=\/V1\/)/;

  const address = (line1: string, city: string) => ({
    line1,
    line2: null,
    city,
    state: 'CA',
    postal_code: '94107',
    country: 'US',
  });
  const fromStripe: SyncedCustomer = {
    email: 'anna.berg@example.com',
    name: 'Dr. Anna van der Berg',
    phone: '+1 415 555 0101',
    address: address('1 Market St', 'San Francisco'),
    shipping: {
      name: 'Anna Berg',
      phone: '+1 415 555 0102',
      address: { ...address('2 Mission St', 'San Francisco'), line2: 'Suite 5' },
    },
  };

  beforeAll(async () => {
    contract = loadMagentoSchema();
    magento = await startMagento();
    const client = new MagentoClient({
      baseUrl: `${magento.url}/rest/default`,
      auth: { kind: 'token', token: bearerToken },
    });
    const sync = createMagentoCustomerSyncActivities(client, 'stripe_customer_id');

    // A Stripe customer put into Magento, then a Stripe edit copied over, then only the sync's attributes stored.
    const made = await sync.writeMagentoCustomer({
      synced: fromStripe,
      key: 'e0123456789abcdef0123456789abcdef',
      stripeCustomerId: 'cus_Contract1',
    });
    const sameAddress = {
      ...fromStripe,
      name: 'Anna van der Berg',
      shipping: { name: 'Anna van der Berg', phone: fromStripe.phone, address: fromStripe.address! },
    };
    await sync.writeMagentoCustomer({
      customerId: made.customerId,
      synced: sameAddress,
      key: 'e0123456789abcdef0123456789abcdef',
      stripeCustomerId: 'cus_Contract1',
    });
    await sync.writeMagentoCustomer({
      customerId: made.customerId,
      key: 'e0123456789abcdef0123456789abcdef',
      stripeCustomerId: 'cus_Contract1',
    });

    // A customer registered in the storefront, with what Magento keeps beside the synced fields: linked, then edited from Stripe.
    const registered = await magento.api.post<{ id: number }>('/customers', {
      customer: {
        email: 'Grace.Hopper@Example.com',
        firstname: 'Grace',
        lastname: 'Hopper',
        prefix: 'Rear Adm.',
        dob: '1906-12-09',
        gender: 2,
        website_id: 1,
        group_id: 1,
        custom_attributes: [{ attribute_code: 'loyalty_tier', value: 'gold' }],
        addresses: [
          {
            firstname: 'Grace',
            lastname: 'Hopper',
            street: ['1 Navy Way', 'Building 2'],
            city: 'Arlington',
            region: { region_code: 'VA', region: 'Virginia', region_id: 0 },
            postcode: '22202',
            country_id: 'US',
            telephone: '+1 703 555 0100',
            default_billing: true,
          },
          {
            firstname: 'Grace',
            lastname: 'Hopper',
            street: ['3 Harbour Rd'],
            city: 'Norfolk',
            postcode: '23511',
            country_id: 'US',
            telephone: '+1 757 555 0100',
            default_shipping: true,
          },
          {
            firstname: 'G',
            lastname: 'Hopper',
            street: ['9 Old Rd'],
            city: 'New York',
            postcode: '10001',
            country_id: 'US',
            telephone: '+1 212 555 0100',
          },
        ],
      },
    });
    expect(registered.status).toBe(200);
    const grace = registered.data.id;
    await sync.writeMagentoCustomer({
      customerId: grace,
      key: 'efedcba9876543210fedcba9876543210',
      stripeCustomerId: 'cus_Contract2',
    });
    const edited = (await sync.loadMagentoCustomer({ customerId: grace }))!.synced;
    await sync.writeMagentoCustomer({
      customerId: grace,
      synced: { ...edited, name: 'Grace Brewster Hopper', phone: '+1 703 555 0199', shipping: null },
      key: 'efedcba9876543210fedcba9876543210',
      stripeCustomerId: 'cus_Contract2',
    });
    await sync.writeMagentoCustomer({
      customerId: grace,
      synced: {
        ...edited,
        address: null,
        shipping: { name: 'Grace Hopper', phone: null, address: address('4 Pier St', 'Norfolk') },
      },
      key: 'efedcba9876543210fedcba9876543210',
      stripeCustomerId: 'cus_Contract2',
    });
    // The Stripe customer deleted: flagged, never deleted here.
    await sync.flagMagentoCustomerStripeDeleted({ customerId: grace, at: '2026-11-30T10:00:00.000Z' });
    // And the reads: by id, by e-mail, and the poll's page.
    await sync.loadMagentoCustomer({ email: 'anna.berg@example.com' });
    await sync.listMagentoCustomersUpdatedSince({
      since: '2026-01-01 00:00:00',
      excludeIds: [made.customerId],
      pageSize: 10,
    });

    const log = (await axios.get<RecordedRequest[]>(`${magento.url}/__sandbox/requests`)).data;
    sent = log.filter(
      (r) =>
        r.path.includes('/V1/customers') &&
        r.body !== null &&
        !(
          r.method === 'POST' &&
          r.body &&
          (r.body as { customer?: { email?: string } }).customer?.email === 'Grace.Hopper@Example.com'
        ),
    );
  });
  afterAll(() => magento?.close());

  const v1 = (path: string) => path.replace(storePrefix, '');
  const writes = () => sent.filter((r) => r.method === 'POST' || r.method === 'PUT');

  it('drove every customer write the sync makes: a create and saves with fields, addresses and the sync’s attributes', () => {
    expect(writes().map((r) => `${r.method} ${v1(r.path).replace(/\d+$/, '{id}')} ${r.status}`)).toEqual([
      'POST /V1/customers 200',
      'PUT /V1/customers/{id} 200',
      'PUT /V1/customers/{id} 200',
      'PUT /V1/customers/{id} 200',
      'PUT /V1/customers/{id} 200',
      'PUT /V1/customers/{id} 200',
      'PUT /V1/customers/{id} 200',
    ]);
    const attributes = new Set(
      writes().flatMap((r) =>
        (
          (r.body as { customer: { custom_attributes?: Array<{ attribute_code: string }> } }).customer
            .custom_attributes ?? []
        ).map((a) => a.attribute_code),
      ),
    );
    expect([...attributes].sort()).toEqual([
      'loyalty_tier',
      'o2c_customer_key',
      'o2c_stripe_deleted_at',
      'o2c_sync_hash',
      'stripe_customer_id',
    ]);
    expect(
      writes().some((r) => ((r.body as { customer: { addresses?: unknown[] } }).customer.addresses ?? []).length >= 2),
    ).toBe(true);
  });

  it('sent only bodies that validate strictly against the path’s body parameter', () => {
    const problems = writes()
      .map((r) => contract.requestBodyProblem(r.method, v1(r.path), r.body))
      .filter(Boolean);
    expect(problems).toEqual([]);
  });

  it('used only paths the schema has', async () => {
    const log = (await axios.get<RecordedRequest[]>(`${magento.url}/__sandbox/requests`)).data;
    expect(log.filter((r) => !contract.templateFor(r.method, v1(r.path))).map((r) => `${r.method} ${r.path}`)).toEqual(
      [],
    );
  });

  it('fails a body with a misspelt field (self-check)', () => {
    const body = writes()[0]!.body as {
      customer: Record<string, unknown> & {
        addresses: Array<Record<string, unknown>>;
        custom_attributes: Array<Record<string, unknown>>;
      };
    };
    const problem = (customer: Record<string, unknown>) =>
      contract.requestBodyProblem('POST', '/V1/customers', { ...body, customer });
    expect(problem(body.customer)).toBeUndefined();
    const { firstname, ...rest } = body.customer;
    expect(problem({ ...rest, first_name: firstname })).toMatch(/additional properties/);
    expect(problem({ ...body.customer, custom_attributes: [{ attributeCode: 'o2c_sync_hash', value: 'x' }] })).toMatch(
      /additional properties|attribute_code/,
    );
    expect(
      problem({ ...body.customer, addresses: [{ ...body.customer.addresses[0], streets: ['1 Market St'] }] }),
    ).toMatch(/additional properties/);
    expect(problem({ ...body.customer, default_billing: true })).toMatch(/must be string/);
  });
});
