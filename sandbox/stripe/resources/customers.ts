import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { resourceMissing } from '../errors';
import { changedFields } from '../events';
import { route } from '../http';
import { newId, randomText } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { applyMetadata, nullableString, optionalObject, paramsOf, type Params } from '../params';
import { clone } from '../state';
import type { Customer } from '../types';

/** A live (not deleted) customer, or 404 as Stripe answers. */
export function getCustomer(ctx: Ctx, id: string, param = 'id'): Customer {
  const customer = ctx.state.customers[id];
  if (!customer || 'deleted' in customer) throw resourceMissing('customer', id, param);
  return customer;
}

function applyFields(customer: Customer, params: Params): void {
  for (const field of ['email', 'name', 'phone', 'description'] as const) {
    const value = nullableString(params, field);
    if (value !== undefined) customer[field] = value;
  }
  if (params.address !== undefined) customer.address = params.address === '' ? null : optionalObject(params, 'address');
  if (params.shipping !== undefined)
    customer.shipping = params.shipping === '' ? null : optionalObject(params, 'shipping');
  const invoiceSettings = optionalObject(params, 'invoice_settings');
  if (invoiceSettings) {
    const method = nullableString(invoiceSettings, 'default_payment_method');
    if (method !== undefined) customer.invoice_settings.default_payment_method = method;
  }
  customer.metadata = applyMetadata(customer.metadata, params);
}

/** Customers: create, retrieve, update, list (filter `email`), delete. */
export function customerRoutes(engine: Engine): Router {
  const router = Router();

  router.post(
    '/v1/customers',
    route(engine, (ctx, req) => {
      const customer: Customer = {
        id: newId('cus'),
        object: 'customer',
        address: null,
        balance: 0,
        created: ctx.now(),
        currency: null,
        default_source: null,
        delinquent: false,
        description: null,
        email: null,
        invoice_prefix: randomText(8).toUpperCase(),
        invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
        livemode: false,
        metadata: {},
        name: null,
        next_invoice_sequence: 1,
        phone: null,
        preferred_locales: [],
        shipping: null,
        tax_exempt: 'none',
        test_clock: null,
      };
      applyFields(customer, paramsOf(req));
      ctx.state.customers[customer.id] = customer;
      ctx.emit('customer.created', customer);
      return customer;
    }),
  );

  router.get(
    '/v1/customers/:id',
    route(engine, (ctx, req) => {
      const customer = ctx.state.customers[String(req.params.id)];
      if (!customer) throw resourceMissing('customer', String(req.params.id));
      return customer;
    }),
  );

  router.post(
    '/v1/customers/:id',
    route(engine, (ctx, req) => {
      const customer = getCustomer(ctx, String(req.params.id));
      const before = clone(customer);
      applyFields(customer, paramsOf(req));
      const previous = changedFields(before, customer);
      if (Object.keys(previous).length > 0) ctx.emit('customer.updated', customer, previous);
      return customer;
    }),
  );

  router.delete(
    '/v1/customers/:id',
    route(engine, (ctx, req) => {
      const customer = getCustomer(ctx, String(req.params.id));
      ctx.state.customers[customer.id] = { id: customer.id, object: 'customer', deleted: true };
      ctx.emit('customer.deleted', customer);
      return { id: customer.id, object: 'customer', deleted: true };
    }),
  );

  router.get(
    '/v1/customers',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const email = typeof params.email === 'string' ? params.email : undefined;
      const matchesCreated = createdFilter(params);
      const customers = newestFirst(ctx.state.customers)
        .filter((c): c is Customer => !('deleted' in c))
        .filter((c) => (email === undefined || c.email === email) && matchesCreated(c.created));
      return page(customers, req, '/v1/customers');
    }),
  );

  return router;
}
