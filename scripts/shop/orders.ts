import { fromMinor, toMinor } from '../../domain/money';
import {
  amountStepMinor,
  catalogue,
  countries,
  firstNames,
  flatShipping,
  lastNames,
  shopCurrencies,
  type Country,
  type Product,
  type ShopCurrency,
} from './catalogue';
import type { Random } from './random';

export type TestPaymentMethod = 'pm_card_visa' | 'pm_card_chargeDeclined' | 'pm_card_riskLevelElevated';

export interface ShopCustomer {
  email: string;
  firstname: string;
  lastname: string;
  country: Country;
  address: Country['addresses'][number];
}

export interface OrderLine {
  product: Product;
  qty: number;
}

/** One order as the storefront will place and pay it, decided up front so concurrency never changes what a seed does. */
export interface OrderPlan {
  index: number;
  customer: ShopCustomer;
  currency: ShopCurrency;
  lines: OrderLine[];
  paymentMethod: TestPaymentMethod;
}

export interface PlanOptions {
  orders: number;
  declineRate: number;
  fraudRate: number;
  currency: ShopCurrency | 'mix';
}

function asciiLower(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/** A pool of returning customers (about one per two orders), so some e-mails order more than once. */
function customerPool(random: Random, options: PlanOptions): ShopCustomer[] {
  const size = Math.max(3, Math.ceil(options.orders / 2));
  return Array.from({ length: size }, (_, i) => {
    const firstname = random.pick(firstNames);
    const lastname = random.pick(lastNames);
    // Currency first, so "mix" spreads evenly over currencies rather than over countries.
    const currency = options.currency === 'mix' ? random.pick(shopCurrencies) : options.currency;
    const country = random.pick(countries.filter((c) => c.currency === currency));
    return {
      email: `${asciiLower(firstname)}.${asciiLower(lastname)}${i + 1}@example.com`,
      firstname,
      lastname,
      country,
      address: random.pick(country.addresses),
    };
  });
}

export function planOrders(random: Random, options: PlanOptions): OrderPlan[] {
  const customers = customerPool(random, options);
  return Array.from({ length: options.orders }, (_, index) => {
    const customer = random.pick(customers);
    const skus = new Set<string>();
    const lines: OrderLine[] = [];
    for (let n = random.int(1, 3); lines.length < n;) {
      const product = random.pick(catalogue);
      if (skus.has(product.sku)) continue;
      skus.add(product.sku);
      lines.push({ product, qty: random.chance(0.7) ? 1 : random.int(2, 4) });
    }
    const roll = random.next();
    const paymentMethod: TestPaymentMethod =
      roll < options.declineRate
        ? 'pm_card_chargeDeclined'
        : roll < options.declineRate + options.fraudRate
          ? 'pm_card_riskLevelElevated'
          : 'pm_card_visa';
    return { index, customer, currency: customer.country.currency, lines, paymentMethod };
  });
}

/** `amount × bps / 10000`, half up, in integer minor units, then to the currency's settlement step. */
function taxMinor(netMinor: number, bps: number, step: number): number {
  const tax = Math.floor((netMinor * bps + 5000) / 10000);
  return Math.round(tax / step) * step;
}

export interface PricedOrder {
  /** The `entity` of `POST /V1/orders`. */
  entity: Record<string, unknown>;
  grandTotalMinor: number;
}

/** The Magento order for a plan: every total is summed in minor units first, so grand_total = subtotal + shipping + tax exactly. */
export function priceOrder(plan: OrderPlan): PricedOrder {
  const { currency, customer } = plan;
  const country = customer.country;
  const step = amountStepMinor[currency];
  const dec = (minor: number) => fromMinor(minor, currency);
  const taxPercent = country.taxBps / 100;

  const items = plan.lines.map(({ product, qty }) => {
    const priceMinor = toMinor(product.price[currency], currency);
    const rowMinor = priceMinor * qty;
    const rowTaxMinor = taxMinor(rowMinor, country.taxBps, step);
    const priceInclMinor = priceMinor + taxMinor(priceMinor, country.taxBps, step);
    return {
      rowMinor,
      rowTaxMinor,
      item: {
        sku: product.sku,
        name: product.name,
        product_type: 'simple',
        qty_ordered: qty,
        weight: product.weightKg,
        price: dec(priceMinor),
        base_price: dec(priceMinor),
        original_price: dec(priceMinor),
        base_original_price: dec(priceMinor),
        row_total: dec(rowMinor),
        base_row_total: dec(rowMinor),
        tax_percent: taxPercent,
        tax_amount: dec(rowTaxMinor),
        base_tax_amount: dec(rowTaxMinor),
        price_incl_tax: dec(priceInclMinor),
        base_price_incl_tax: dec(priceInclMinor),
        row_total_incl_tax: dec(rowMinor + rowTaxMinor),
        base_row_total_incl_tax: dec(rowMinor + rowTaxMinor),
        discount_amount: 0,
        base_discount_amount: 0,
      },
    };
  });

  const subtotalMinor = items.reduce((sum, i) => sum + i.rowMinor, 0);
  const shippingMinor = toMinor(flatShipping[currency], currency);
  const shippingTaxMinor = country.taxesShipping ? taxMinor(shippingMinor, country.taxBps, step) : 0;
  const taxTotalMinor = items.reduce((sum, i) => sum + i.rowTaxMinor, 0) + shippingTaxMinor;
  const grandTotalMinor = subtotalMinor + shippingMinor + taxTotalMinor;

  const address = {
    firstname: customer.firstname,
    lastname: customer.lastname,
    email: customer.email,
    street: [customer.address.street],
    city: customer.address.city,
    postcode: customer.address.postcode,
    country_id: country.countryId,
    telephone: customer.address.telephone,
    ...(customer.address.region ? { region: customer.address.region } : {}),
    ...(customer.address.regionCode ? { region_code: customer.address.regionCode } : {}),
  };
  const entity: Record<string, unknown> = {
    state: 'new',
    status: 'pending',
    store_id: 1,
    customer_email: customer.email,
    customer_firstname: customer.firstname,
    customer_lastname: customer.lastname,
    customer_is_guest: 1,
    customer_group_id: 0,
    order_currency_code: currency,
    base_currency_code: currency,
    store_currency_code: currency,
    global_currency_code: currency,
    base_to_order_rate: 1,
    base_to_global_rate: 1,
    subtotal: dec(subtotalMinor),
    base_subtotal: dec(subtotalMinor),
    shipping_amount: dec(shippingMinor),
    base_shipping_amount: dec(shippingMinor),
    shipping_tax_amount: dec(shippingTaxMinor),
    base_shipping_tax_amount: dec(shippingTaxMinor),
    tax_amount: dec(taxTotalMinor),
    base_tax_amount: dec(taxTotalMinor),
    discount_amount: 0,
    base_discount_amount: 0,
    grand_total: dec(grandTotalMinor),
    base_grand_total: dec(grandTotalMinor),
    total_qty_ordered: plan.lines.reduce((sum, l) => sum + l.qty, 0),
    weight: Math.round(plan.lines.reduce((sum, l) => sum + l.product.weightKg * l.qty, 0) * 1000) / 1000,
    shipping_description: 'Flat Rate - Fixed',
    items: items.map((i) => i.item),
    billing_address: address,
    payment: { method: 'stripe_payments' },
    extension_attributes: { shipping_assignments: [{ shipping: { address, method: 'flatrate_flatrate' } }] },
  };
  return { entity, grandTotalMinor };
}
