import { searchParams, startMagento, type RunningMagento } from './magentoHelpers';

const customer = (overrides: Record<string, unknown> = {}) => ({
  email: 'grace@example.com',
  firstname: 'Grace',
  lastname: 'Hopper',
  website_id: 1,
  addresses: [
    {
      firstname: 'Grace',
      lastname: 'Hopper',
      street: ['1 Navy Yard'],
      city: 'Arlington',
      postcode: '22202',
      country_id: 'US',
      telephone: '555-0100',
      region: { region_code: 'VA', region: 'Virginia', region_id: 61 },
      default_billing: true,
      default_shipping: true,
    },
  ],
  ...overrides,
});

describe('Magento sandbox: customers', () => {
  let magento: RunningMagento;

  beforeAll(async () => {
    magento = await startMagento();
  });
  afterAll(() => magento.close());
  beforeEach(() => magento.reset());

  it('creates a customer with ids, defaults and its default address, and never echoes the password', async () => {
    const res = await magento.api.post('/customers', { customer: customer(), password: 'Secret-Pass-123' });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({
      id: 1,
      email: 'grace@example.com',
      firstname: 'Grace',
      lastname: 'Hopper',
      website_id: 1,
      store_id: 1,
      group_id: 1,
      default_billing: '1',
      default_shipping: '1',
      created_in: 'Default Store View',
      addresses: [
        expect.objectContaining({
          id: 1,
          customer_id: 1,
          city: 'Arlington',
          default_billing: true,
          region: { region_code: 'VA', region: 'Virginia', region_id: 61 },
        }),
      ],
    });
    expect(JSON.stringify(res.data)).not.toContain('Secret-Pass-123');
    const fetched = await magento.api.get('/customers/1');
    expect(fetched.data).toEqual(res.data);
  });

  it('refuses a second customer with the same email in the same website, whatever its case', async () => {
    await magento.api.post('/customers', { customer: customer() });
    const duplicate = await magento.api.post('/customers', { customer: customer({ email: 'GRACE@example.com' }) });
    expect(duplicate.status).toBe(400);
    expect(duplicate.data).toEqual({
      message: 'A customer with the same email address already exists in an associated website.',
    });
    const otherWebsite = await magento.api.post('/customers', { customer: customer({ website_id: 2 }) });
    expect(otherWebsite.status).toBe(200);
  });

  it('refuses a customer without a required field or with a malformed email', async () => {
    const noName = await magento.api.post('/customers', { customer: { email: 'x@example.com', lastname: 'X' } });
    expect([noName.status, noName.data]).toEqual([
      400,
      { message: '"%fieldName" is required. Enter and try again.', parameters: { fieldName: 'firstname' } },
    ]);
    const badEmail = await magento.api.post('/customers', {
      customer: { email: 'not-an-email', firstname: 'X', lastname: 'Y' },
    });
    expect(badEmail.status).toBe(400);
    expect(badEmail.data.parameters).toEqual({ fieldName: 'email', value: 'not-an-email' });
  });

  it('answers 404 naming the customer id for a customer that does not exist', async () => {
    const res = await magento.api.get('/customers/77');
    expect(res.status).toBe(404);
    expect(res.data).toEqual({
      message: 'No such entity with %fieldName = %fieldValue',
      parameters: { fieldName: 'customerId', fieldValue: '77' },
    });
  });

  it('updates a customer in place, keeping its id and refusing an email another customer has', async () => {
    await magento.api.post('/customers', { customer: customer() });
    await magento.api.post('/customers', {
      customer: customer({ email: 'alan@example.com', firstname: 'Alan', addresses: [] }),
    });
    const updated = await magento.api.put('/customers/1', {
      customer: { id: 1, email: 'grace.hopper@example.com', firstname: 'Grace', lastname: 'Murray Hopper' },
    });
    expect(updated.status).toBe(200);
    expect(updated.data).toMatchObject({
      id: 1,
      email: 'grace.hopper@example.com',
      lastname: 'Murray Hopper',
      addresses: [expect.objectContaining({ id: 1 })],
    });
    const clash = await magento.api.put('/customers/1', {
      customer: { email: 'alan@example.com', firstname: 'Grace', lastname: 'Hopper' },
    });
    expect(clash.status).toBe(400);
    expect((await magento.api.get('/customers/1')).data.email).toBe('grace.hopper@example.com');
  });

  it('searches customers with searchCriteria', async () => {
    for (const [email, firstname] of [
      ['grace@example.com', 'Grace'],
      ['alan@example.com', 'Alan'],
      ['ada@shop.test', 'Ada'],
    ]) {
      await magento.api.post('/customers', { customer: customer({ email, firstname, addresses: [] }) });
    }
    const res = await magento.api.get('/customers/search', {
      params: searchParams({
        '[filter_groups][0][filters][0][field]': 'email',
        '[filter_groups][0][filters][0][value]': '%@example.com',
        '[filter_groups][0][filters][0][condition_type]': 'like',
        '[sortOrders][0][field]': 'firstname',
        '[sortOrders][0][direction]': 'ASC',
      }),
    });
    expect(res.status).toBe(200);
    expect(res.data.total_count).toBe(2);
    expect(res.data.items.map((c: { firstname: string }) => c.firstname)).toEqual(['Alan', 'Grace']);
  });
});
