import { badRequest, invalidFieldValue, invalidType, noSuchEntity, requiredField } from './errors';
import { applySearchCriteria, parseSearchCriteria } from './searchCriteria';
import {
  magentoDate,
  nextId,
  type Customer,
  type CustomerAddress,
  type MagentoContext,
  type MagentoRoute,
} from './types';
import { clone, intParam, isObject, optionalInt, optionalString, requireObject, withoutNulls } from './values';

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function findCustomer(ctx: MagentoContext, id: number): Customer {
  const customer = ctx.store.data.customers.find((c) => c.id === id);
  if (!customer) throw noSuchEntity('customerId', id);
  return customer;
}

function requiredText(given: Record<string, unknown>, field: string): string {
  const value = optionalString(given[field])?.trim();
  if (!value) throw requiredField(field);
  return value;
}

function checkEmail(ctx: MagentoContext, email: string, websiteId: number, exceptId?: number): void {
  if (!emailPattern.test(email)) throw invalidFieldValue('email', email);
  const taken = ctx.store.data.customers.some(
    (c) => c.id !== exceptId && c.website_id === websiteId && c.email.toLowerCase() === email.toLowerCase(),
  );
  if (taken) throw badRequest('A customer with the same email address already exists in an associated website.');
}

function buildAddresses(ctx: MagentoContext, customer: Customer, raw: unknown): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) throw invalidType(raw, 'array');
  const previous = new Map(customer.addresses.map((a) => [a.id, a]));
  delete customer.default_billing;
  delete customer.default_shipping;
  customer.addresses = raw.map((value) => {
    const given = requireObject(value, 'addresses');
    const existingId = optionalInt(given.id);
    const id = existingId !== undefined && previous.has(existingId) ? existingId : nextId(ctx, 'customerAddress');
    const address: CustomerAddress = { ...withoutNulls(given), id, customer_id: customer.id };
    if (typeof given.region === 'string') {
      address.region = {
        region: given.region,
        region_code: optionalString(given.region_code) ?? given.region,
        region_id: optionalInt(given.region_id) ?? 0,
      };
    }
    // Magento lists the default flags only on the default address and names it on the customer.
    for (const kind of ['default_billing', 'default_shipping'] as const) {
      if (given[kind] === true) customer[kind] = String(id);
      else delete address[kind];
    }
    return address;
  });
}

function createCustomer(ctx: MagentoContext, body: unknown): Customer {
  const given = requireObject(requireObject(body, 'customer').customer, 'customer');
  const email = requiredText(given, 'email');
  const websiteId = optionalInt(given.website_id) ?? 1;
  checkEmail(ctx, email, websiteId);
  const now = magentoDate(ctx.now());
  const customer: Customer = {
    ...withoutNulls(given),
    id: nextId(ctx, 'customer'),
    group_id: optionalInt(given.group_id) ?? 1,
    created_at: now,
    updated_at: now,
    created_in: 'Default Store View',
    email,
    firstname: requiredText(given, 'firstname'),
    lastname: requiredText(given, 'lastname'),
    store_id: optionalInt(given.store_id) ?? 1,
    website_id: websiteId,
    disable_auto_group_change: optionalInt(given.disable_auto_group_change) ?? 0,
    addresses: [],
    extension_attributes: {
      is_subscribed: false,
      ...(isObject(given.extension_attributes) ? withoutNulls(given.extension_attributes) : {}),
    },
  };
  // A password, when given, is never stored or echoed.
  delete customer.password;
  buildAddresses(ctx, customer, given.addresses);
  ctx.store.data.customers.push(customer);
  ctx.store.changed();
  return customer;
}

/** `PUT /V1/customers/{id}`: the path id wins; given fields replace, addresses replace when given. */
function updateCustomer(ctx: MagentoContext, id: number, body: unknown): Customer {
  const customer = findCustomer(ctx, id);
  const given = requireObject(requireObject(body, 'customer').customer, 'customer');
  const email = optionalString(given.email)?.trim() ?? customer.email;
  const websiteId = optionalInt(given.website_id) ?? customer.website_id;
  checkEmail(ctx, email, websiteId, id);
  const { id: _id, addresses, created_at: _created, ...fields } = withoutNulls(given);
  const merged = { ...customer, ...fields };
  for (const field of ['firstname', 'lastname']) requiredText(merged, field);
  Object.assign(customer, fields, { email, website_id: websiteId, updated_at: magentoDate(ctx.now()) });
  if (isObject(given.extension_attributes))
    customer.extension_attributes = {
      ...(isObject(customer.extension_attributes) ? customer.extension_attributes : {}),
      ...withoutNulls(given.extension_attributes),
    };
  buildAddresses(ctx, customer, addresses);
  ctx.store.changed();
  return customer;
}

export function customerRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'post',
      path: '/V1/customers',
      resource: 'Magento_Customer::manage',
      handle: (req, res) => void res.json(clone(createCustomer(ctx, req.body))),
    },
    {
      method: 'get',
      path: '/V1/customers/search',
      resource: 'Magento_Customer::customer',
      handle: (req, res) => {
        // Magento's customer collection filters and sorts by its column `entity_id`, which the data interface calls `id`.
        const rows = ctx.store.data.customers.map((customer) => ({ customer, entity_id: customer.id, ...customer }));
        const result = applySearchCriteria(rows, parseSearchCriteria(req.query));
        res.json({ ...result, items: clone(result.items.map((row) => row.customer)) });
      },
    },
    {
      method: 'get',
      path: '/V1/customers/:id',
      resource: 'Magento_Customer::customer',
      handle: (req, res) => void res.json(clone(findCustomer(ctx, intParam(req, 'id')))),
    },
    {
      // `DELETE /V1/customers/{id}`: gone for good (Magento keeps no trace a poll could read); answers `true`.
      method: 'delete',
      path: '/V1/customers/:id',
      resource: 'Magento_Customer::manage',
      handle: (req, res) => {
        const customer = findCustomer(ctx, intParam(req, 'id'));
        ctx.store.data.customers = ctx.store.data.customers.filter((c) => c !== customer);
        ctx.store.changed();
        res.json(true);
      },
    },
    {
      method: 'put',
      path: '/V1/customers/:id',
      resource: 'Magento_Customer::manage',
      handle: (req, res) => void res.json(clone(updateCustomer(ctx, intParam(req, 'id'), req.body))),
    },
  ];
}
