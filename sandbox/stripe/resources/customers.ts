import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { changedFields } from '../events';
import { route } from '../http';
import { newId, randomText } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import {
  applyMetadata,
  nullableString,
  optionalInteger,
  optionalObject,
  paramsOf,
  requiredInteger,
  requiredString,
  type Params,
} from '../params';
import { clone } from '../state';
import type { CustomerBalanceTransaction } from '../billingTypes';
import type { Customer } from '../types';
import { validateCurrency } from './payments';

/** A live (not deleted) customer, or 404 as Stripe answers. */
export function getCustomer(ctx: Ctx, id: string, param = 'id'): Customer {
  const customer = ctx.state.customers[id];
  if (!customer || 'deleted' in customer) throw resourceMissing('customer', id, param);
  return customer;
}

/**
 * Changes the customer's credit balance (negative: credit the next invoices use before charging) and records the
 * change as a customer balance transaction: `initial`/`adjustment` from the API, `applied_to_invoice` when an invoice
 * is finalised. A customer without a currency takes the transaction's.
 */
export function changeBalance(
  ctx: Ctx,
  customer: Customer,
  amount: number,
  type: CustomerBalanceTransaction['type'],
  extra: { currency?: string; invoice?: string; description?: string | null; metadata?: Record<string, string> } = {},
): CustomerBalanceTransaction {
  const currency = extra.currency ?? customer.currency ?? 'usd';
  customer.currency ??= currency;
  customer.balance += amount;
  const transaction: CustomerBalanceTransaction = {
    id: newId('cbtxn'),
    object: 'customer_balance_transaction',
    amount,
    created: ctx.now(),
    credit_note: null,
    currency,
    customer: customer.id,
    description: extra.description ?? null,
    ending_balance: customer.balance,
    invoice: extra.invoice ?? null,
    livemode: false,
    metadata: extra.metadata ?? {},
    type,
  };
  (ctx.state.customerBalanceTransactions ??= {})[transaction.id] = transaction;
  return transaction;
}

function balanceTransactionsOf(ctx: Ctx, customerId: string): CustomerBalanceTransaction[] {
  return newestFirst(ctx.state.customerBalanceTransactions ?? {}).filter((t) => t.customer === customerId);
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
      const params = paramsOf(req);
      applyFields(customer, params);
      ctx.state.customers[customer.id] = customer;
      const balance = optionalInteger(params, 'balance', -Infinity);
      if (balance) changeBalance(ctx, customer, balance, 'initial');
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
      const params = paramsOf(req);
      applyFields(customer, params);
      const balance = optionalInteger(params, 'balance', -Infinity);
      if (balance !== undefined && balance !== customer.balance)
        changeBalance(ctx, customer, balance - customer.balance, 'adjustment');
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

  // The customer's credit balance: `amount` negative for credit, positive for a debit the next invoice collects.
  router.post(
    '/v1/customers/:id/balance_transactions',
    route(engine, (ctx, req) => {
      const customer = getCustomer(ctx, String(req.params.id));
      const params = paramsOf(req);
      const amount = requiredInteger(params, 'amount', -Infinity);
      const currency = validateCurrency(requiredString(params, 'currency'));
      if (customer.currency && customer.currency !== currency)
        throw invalidRequest(
          `The currency ${currency} does not match the customer's balance currency ${customer.currency}.`,
          { param: 'currency' },
        );
      const before = clone(customer);
      const transaction = changeBalance(ctx, customer, amount, 'adjustment', {
        currency,
        description: nullableString(params, 'description') ?? null,
        metadata: applyMetadata({}, params),
      });
      ctx.emit('customer.updated', customer, changedFields(before, customer));
      return transaction;
    }),
  );
  router.get(
    '/v1/customers/:id/balance_transactions',
    route(engine, (ctx, req) => {
      const customer = getCustomer(ctx, String(req.params.id));
      return page(balanceTransactionsOf(ctx, customer.id), req, `/v1/customers/${customer.id}/balance_transactions`);
    }),
  );
  router.get(
    '/v1/customers/:id/balance_transactions/:transaction',
    route(engine, (ctx, req) => {
      const id = String(req.params.transaction);
      const transaction = ctx.state.customerBalanceTransactions?.[id];
      if (!transaction || transaction.customer !== String(req.params.id))
        throw resourceMissing('customer_balance_transaction', id);
      return transaction;
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
