import { Router } from 'express';
import type { Coupon, Discount, Subscription } from '../billingTypes';
import type { Ctx, Engine } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { route } from '../http';
import { newId, randomText } from '../ids';
import { createdFilter, newestFirst, page } from '../list';
import {
  applyMetadata,
  nullableString,
  optionalEnum,
  optionalInteger,
  optionalString,
  paramsOf,
  type Params,
} from '../params';
import { addInterval } from './periods';
import { validateCurrency } from './payments';

const durations = ['once', 'repeating', 'forever'] as const;

function couponsOf(ctx: Ctx): Record<string, Coupon> {
  return (ctx.state.coupons ??= {});
}

export function discountsOf(ctx: Ctx): Record<string, Discount> {
  return (ctx.state.discounts ??= {});
}

function optionalNumber(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  const parsed =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(parsed)) throw invalidRequest(`Invalid decimal: ${String(value)}`, { param: name });
  return parsed;
}

/** `POST /v1/coupons`: `percent_off` (0–100, up to two decimals) or `amount_off` + `currency`; `duration` once/repeating/forever. */
function createCoupon(ctx: Ctx, params: Params): Coupon {
  const percentOff = optionalNumber(params, 'percent_off');
  const amountOff = optionalInteger(params, 'amount_off', 1);
  if (percentOff === undefined && amountOff === undefined)
    throw invalidRequest('You must pass either percent_off or amount_off.', { param: 'percent_off' });
  if (percentOff !== undefined && amountOff !== undefined)
    throw invalidRequest('You may only specify one of these parameters: amount_off, percent_off.', {
      param: 'amount_off',
    });
  if (percentOff !== undefined && (percentOff <= 0 || percentOff > 100))
    throw invalidRequest('Percent off must be between 0 and 100.', { param: 'percent_off' });
  const currencyParam = optionalString(params, 'currency');
  if (amountOff !== undefined && !currencyParam)
    throw invalidRequest('You must pass currency when passing amount_off.', { param: 'currency' });
  const duration = optionalEnum(params, 'duration', durations) ?? 'once';
  const months = optionalInteger(params, 'duration_in_months', 1);
  if (duration === 'repeating' && months === undefined)
    throw invalidRequest('You must pass duration_in_months when duration is repeating.', {
      param: 'duration_in_months',
    });
  if (duration !== 'repeating' && months !== undefined)
    throw invalidRequest('duration_in_months can only be set when duration is repeating.', {
      param: 'duration_in_months',
    });
  const id = optionalString(params, 'id') || randomText(8);
  if (couponsOf(ctx)[id])
    throw invalidRequest('Coupon already exists.', { param: 'id', code: 'resource_already_exists' });
  const coupon: Coupon = {
    id,
    object: 'coupon',
    amount_off: amountOff ?? null,
    created: ctx.now(),
    currency: amountOff !== undefined && currencyParam ? validateCurrency(currencyParam) : null,
    duration,
    duration_in_months: months ?? null,
    livemode: false,
    max_redemptions: optionalInteger(params, 'max_redemptions', 1) ?? null,
    metadata: applyMetadata({}, params),
    name: nullableString(params, 'name') ?? null,
    percent_off: percentOff ?? null,
    redeem_by: optionalInteger(params, 'redeem_by', 1) ?? null,
    times_redeemed: 0,
    valid: true,
  };
  couponsOf(ctx)[id] = coupon;
  ctx.emit('coupon.created', coupon);
  return coupon;
}

export function getCoupon(ctx: Ctx, id: string, param = 'id'): Coupon {
  const coupon = couponsOf(ctx)[id];
  if (!coupon) throw resourceMissing('coupon', id, param);
  return coupon;
}

function redeemable(ctx: Ctx, coupon: Coupon, at: number): boolean {
  return (
    coupon.valid &&
    (coupon.redeem_by === null || at <= coupon.redeem_by) &&
    (coupon.max_redemptions === null || coupon.times_redeemed < coupon.max_redemptions) &&
    Boolean(couponsOf(ctx)[coupon.id])
  );
}

/** Applies a coupon to a subscription (a `di_…` discount); an amount-off coupon must be in the subscription's currency. */
export function applyCoupon(
  ctx: Ctx,
  subscription: Subscription,
  couponId: string,
  at: number,
  param: string,
): Discount {
  const coupon = getCoupon(ctx, couponId, param);
  if (!redeemable(ctx, coupon, at))
    throw invalidRequest(`Coupon ${coupon.id} is no longer valid.`, { param, code: 'coupon_expired' });
  if (coupon.currency && coupon.currency !== subscription.currency) {
    throw invalidRequest(
      `The coupon ${coupon.id} is in ${coupon.currency}, but the subscription is billed in ${subscription.currency}.`,
      { param },
    );
  }
  coupon.times_redeemed += 1;
  if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) coupon.valid = false;
  const discount: Discount = {
    id: newId('di'),
    object: 'discount',
    checkout_session: null,
    coupon: { ...coupon, metadata: { ...coupon.metadata } },
    customer: subscription.customer,
    end:
      coupon.duration === 'repeating' && coupon.duration_in_months
        ? addInterval(at, { interval: 'month', interval_count: coupon.duration_in_months, usage_type: 'licensed' })
        : null,
    invoice: null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: coupon.id, type: 'coupon' },
    start: at,
    subscription: subscription.id,
    subscription_item: null,
  };
  discountsOf(ctx)[discount.id] = discount;
  return discount;
}

/**
 * The `discounts` (`[{coupon}]`, `[{discount}]`, or `''` to remove all) and legacy `coupon` parameters of a
 * subscription create or update: the subscription's new discount ids, or undefined when neither is given.
 */
export function discountsFromParams(
  ctx: Ctx,
  subscription: Subscription,
  params: Params,
  at: number,
): string[] | undefined {
  const legacy = params.coupon;
  const raw = params.discounts;
  if (raw === undefined && legacy === undefined) return undefined;
  const ids: string[] = [];
  if (raw !== undefined && raw !== '') {
    const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null ? Object.values(raw) : undefined;
    if (!list) throw invalidRequest('Invalid array: discounts must be an array of hashes.', { param: 'discounts' });
    list.forEach((entry, i) => {
      const item = (entry ?? {}) as Params;
      const existing = optionalString(item, 'discount');
      const coupon = optionalString(item, 'coupon');
      if (existing) {
        if (!discountsOf(ctx)[existing]) throw resourceMissing('discount', existing, `discounts[${i}][discount]`);
        ids.push(existing);
      } else if (coupon) {
        ids.push(applyCoupon(ctx, subscription, coupon, at, `discounts[${i}][coupon]`).id);
      } else {
        throw invalidRequest('Each discount needs a coupon or a discount.', { param: `discounts[${i}]` });
      }
    });
  }
  if (typeof legacy === 'string' && legacy !== '') ids.push(applyCoupon(ctx, subscription, legacy, at, 'coupon').id);
  return ids;
}

/** The subscription's discounts that apply to an invoice made at `at` (a `repeating` one until its `end`). */
export function activeDiscounts(ctx: Ctx, subscription: Subscription, at: number): Discount[] {
  return (subscription.discounts ?? [])
    .map((id) => discountsOf(ctx)[id])
    .filter((d): d is Discount => Boolean(d) && (d?.end === null || (d?.end ?? 0) > at));
}

/** Coupons: create, retrieve, update (name, metadata), list, delete (applied discounts stay). */
export function couponRoutes(engine: Engine): Router {
  const router = Router();
  router.post(
    '/v1/coupons',
    route(engine, (ctx, req) => createCoupon(ctx, paramsOf(req))),
  );
  router.get(
    '/v1/coupons/:id',
    route(engine, (ctx, req) => getCoupon(ctx, String(req.params.id))),
  );
  router.post(
    '/v1/coupons/:id',
    route(engine, (ctx, req) => {
      const coupon = getCoupon(ctx, String(req.params.id));
      const params = paramsOf(req);
      const name = nullableString(params, 'name');
      if (name !== undefined) coupon.name = name;
      coupon.metadata = applyMetadata(coupon.metadata, params);
      ctx.emit('coupon.updated', coupon);
      return coupon;
    }),
  );
  router.delete(
    '/v1/coupons/:id',
    route(engine, (ctx, req) => {
      const coupon = getCoupon(ctx, String(req.params.id));
      delete couponsOf(ctx)[coupon.id];
      ctx.emit('coupon.deleted', coupon);
      return { id: coupon.id, object: 'coupon', deleted: true };
    }),
  );
  router.get(
    '/v1/coupons',
    route(engine, (ctx, req) => {
      const matchesCreated = createdFilter(paramsOf(req));
      return page(
        newestFirst(couponsOf(ctx)).filter((c) => matchesCreated(c.created)),
        req,
        '/v1/coupons',
      );
    }),
  );
  return router;
}
