import { Router } from 'express';
import type { Ctx, Engine } from '../context';
import { invalidRequest, missingParam, resourceMissing } from '../errors';
import { route } from '../http';
import { newId } from '../ids';
import { newestFirst, page } from '../list';
import {
  applyMetadata,
  optionalEnum,
  optionalInteger,
  optionalObject,
  optionalString,
  paramsOf,
  requiredInteger,
  requiredString,
  type Params,
} from '../params';
import type { Price, Product, Recurring } from '../billingTypes';
import { validateCurrency } from './payments';

const intervals = ['day', 'week', 'month', 'year'] as const;

export function createProduct(ctx: Ctx, params: Params): Product {
  const product: Product = {
    id: newId('prod'),
    object: 'product',
    active: true,
    created: ctx.now(),
    livemode: false,
    metadata: applyMetadata({}, params),
    name: requiredString(params, 'name'),
    updated: ctx.now(),
  };
  ctx.state.products[product.id] = product;
  ctx.emit('product.created', product);
  return product;
}

/** A price from `POST /v1/prices` params or a subscription item's `price_data` (`product` id or `product_data[name]`). */
export function createPrice(ctx: Ctx, params: Params, paramPrefix = ''): Price {
  const param = (name: string) => (paramPrefix ? `${paramPrefix}[${name}]` : name);
  const currency = validateCurrency(requiredString(params, 'currency'), param('currency'));
  const unitAmount = requiredInteger(params, 'unit_amount', 0);
  let productId = optionalString(params, 'product');
  if (productId) {
    if (!ctx.state.products[productId]) throw resourceMissing('product', productId, param('product'));
  } else {
    const productData = optionalObject(params, 'product_data');
    if (!productData) throw missingParam(param('product'));
    productId = createProduct(ctx, productData).id;
  }
  const recurringParams = optionalObject(params, 'recurring');
  let recurring: Recurring | null = null;
  if (recurringParams) {
    const interval = optionalEnum(recurringParams, 'interval', intervals);
    if (!interval) throw missingParam(param('recurring][interval'));
    recurring = {
      interval,
      interval_count: optionalInteger(recurringParams, 'interval_count', 1) ?? 1,
      usage_type: 'licensed',
    };
  }
  const price: Price = {
    id: newId('price'),
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: ctx.now(),
    currency,
    livemode: false,
    lookup_key: null,
    metadata: applyMetadata({}, params),
    nickname: null,
    product: productId,
    recurring,
    tax_behavior: 'unspecified',
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: String(unitAmount),
  };
  ctx.state.prices[price.id] = price;
  ctx.emit('price.created', price);
  return price;
}

export function getPrice(ctx: Ctx, id: string, param = 'price'): Price {
  const price = ctx.state.prices[id];
  if (!price) throw resourceMissing('price', id, param);
  if (!price.active) throw invalidRequest(`The price specified (${id}) is inactive.`, { param });
  return price;
}

/** Products (create, retrieve) and prices (create, retrieve, list). */
export function priceRoutes(engine: Engine): Router {
  const router = Router();
  router.post(
    '/v1/products',
    route(engine, (ctx, req) => createProduct(ctx, paramsOf(req))),
  );
  router.get(
    '/v1/products/:id',
    route(engine, (ctx, req) => {
      const product = ctx.state.products[String(req.params.id)];
      if (!product) throw resourceMissing('product', String(req.params.id));
      return product;
    }),
  );
  router.post(
    '/v1/prices',
    route(engine, (ctx, req) => createPrice(ctx, paramsOf(req))),
  );
  router.get(
    '/v1/prices/:id',
    route(engine, (ctx, req) => {
      const price = ctx.state.prices[String(req.params.id)];
      if (!price) throw resourceMissing('price', String(req.params.id));
      return price;
    }),
  );
  router.get(
    '/v1/prices',
    route(engine, (ctx, req) => {
      const params = paramsOf(req);
      const product = typeof params.product === 'string' && params.product ? params.product : undefined;
      return page(
        newestFirst(ctx.state.prices).filter((p) => !product || p.product === product),
        req,
        '/v1/prices',
      );
    }),
  );
  return router;
}
