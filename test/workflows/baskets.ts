/** The same basket in three currencies: 2 mugs, a T-shirt and shipping, amounts in each currency's own decimals. */
export const baskets = {
  USD: { mug: 10, tee: 25, shipping: 5 },
  JPY: { mug: 1000, tee: 2500, shipping: 500 },
  KWD: { mug: 2.5, tee: 6.25, shipping: 1.25 },
} as const;

export type BasketCurrency = keyof typeof baskets;

/** The Magento order fields (for placeOrder) of the basket in that currency. */
export function basketOrder(currency: BasketCurrency): Record<string, unknown> {
  const { mug, tee, shipping } = baskets[currency];
  const subtotal = 2 * mug + tee;
  return {
    order_currency_code: currency,
    base_currency_code: currency,
    subtotal,
    shipping_amount: shipping,
    tax_amount: 0,
    discount_amount: 0,
    grand_total: subtotal + shipping,
    base_grand_total: subtotal + shipping,
    items: [
      { sku: 'MUG-1', name: 'Mug', qty_ordered: 2, price: mug, row_total: 2 * mug, product_type: 'simple' },
      { sku: 'TEE-1', name: 'T-shirt', qty_ordered: 1, price: tee, row_total: tee, product_type: 'simple' },
    ],
  };
}
