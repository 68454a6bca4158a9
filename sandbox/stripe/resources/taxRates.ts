import { Router } from 'express';
import type { TaxRate } from '../billingTypes';
import type { Ctx, Engine } from '../context';
import { changedFields } from '../events';
import { invalidRequest, missingParam, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import { applyMetadata, nullableString, optionalBoolean, paramsOf, requiredString, type Params } from '../params';
import { clone } from '../state';

function taxRatesOf(ctx: Ctx): Record<string, TaxRate> {
  return (ctx.state.taxRates ??= {});
}

function percentage(params: Params): number {
  const value = params.percentage;
  if (value === undefined || value === '') throw missingParam('percentage');
  const parsed =
    typeof value === 'string' && /^\d+(\.\d{1,4})?$/.test(value)
      ? Number(value)
      : typeof value === 'number'
        ? value
        : NaN;
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 100)
    throw invalidRequest(`Invalid decimal: ${String(value)}`, { param: 'percentage' });
  return parsed;
}

function createTaxRate(ctx: Ctx, params: Params): TaxRate {
  const inclusive = optionalBoolean(params, 'inclusive');
  if (inclusive === undefined) throw missingParam('inclusive');
  const rate: TaxRate = {
    id: newId('txr'),
    object: 'tax_rate',
    active: optionalBoolean(params, 'active') ?? true,
    country: nullableString(params, 'country') ?? null,
    created: ctx.now(),
    description: nullableString(params, 'description') ?? null,
    display_name: requiredString(params, 'display_name'),
    effective_percentage: 0,
    inclusive,
    jurisdiction: nullableString(params, 'jurisdiction') ?? null,
    livemode: false,
    metadata: applyMetadata({}, params),
    percentage: percentage(params),
    state: nullableString(params, 'state') ?? null,
    tax_type: nullableString(params, 'tax_type') ?? null,
  };
  rate.effective_percentage = rate.percentage;
  taxRatesOf(ctx)[rate.id] = rate;
  ctx.emit('tax_rate.created', rate);
  return rate;
}

export function getTaxRate(ctx: Ctx, id: string, param = 'id'): TaxRate {
  const rate = taxRatesOf(ctx)[id];
  if (!rate) throw resourceMissing('tax_rate', id, param);
  return rate;
}

/** `default_tax_rates[]=txr_…` (or `''` to clear): the active tax rates, in order; undefined when not given. */
export function taxRatesFromParams(ctx: Ctx, params: Params, name = 'default_tax_rates'): TaxRate[] | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  if (raw === '') return [];
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null ? Object.values(raw) : [raw];
  return list.map((id, i) => {
    if (typeof id !== 'string') throw invalidRequest(`Invalid string: ${name}[${i}]`, { param: `${name}[${i}]` });
    const rate = getTaxRate(ctx, id, `${name}[${i}]`);
    if (!rate.active)
      throw invalidRequest(`Tax rate ${id} is inactive and cannot be applied.`, { param: `${name}[${i}]` });
    return clone(rate);
  });
}

/** Tax rates: create (`display_name`, `percentage`, `inclusive`), retrieve, update (`active`, names, metadata), list. */
export function taxRateRoutes(engine: Engine): Router {
  const router = Router();
  router.post(
    '/v1/tax_rates',
    route(engine, (ctx, req) => createTaxRate(ctx, paramsOf(req))),
  );
  router.get(
    '/v1/tax_rates/:id',
    route(engine, (ctx, req) => getTaxRate(ctx, String(req.params.id))),
  );
  router.post(
    '/v1/tax_rates/:id',
    route(engine, (ctx, req) => {
      const rate = getTaxRate(ctx, String(req.params.id));
      const before = clone(rate);
      const params = paramsOf(req);
      const active = optionalBoolean(params, 'active');
      if (active !== undefined) rate.active = active;
      for (const field of ['description', 'jurisdiction'] as const) {
        const value = nullableString(params, field);
        if (value !== undefined) rate[field] = value;
      }
      const displayName = nullableString(params, 'display_name');
      if (displayName) rate.display_name = displayName;
      rate.metadata = applyMetadata(rate.metadata, params);
      const previous = changedFields(before, rate);
      if (Object.keys(previous).length > 0) ctx.emit('tax_rate.updated', rate, previous);
      return rate;
    }),
  );
  router.get(
    '/v1/tax_rates',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const active = optionalBoolean(params, 'active');
      const inclusive = optionalBoolean(params, 'inclusive');
      const matchesCreated = createdFilter(params);
      const rates = newestFirst(taxRatesOf(ctx)).filter(
        (r) =>
          (active === undefined || r.active === active) &&
          (inclusive === undefined || r.inclusive === inclusive) &&
          matchesCreated(r.created),
      );
      return page(rates, req, '/v1/tax_rates');
    }),
  );
  return router;
}
