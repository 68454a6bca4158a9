import { z } from 'zod';

const optionalText = z.string().nullish();
const dateTime = z.iso.datetime({ offset: true }).nullish();
const int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);

/** `Orders.AddressViewModel` (closed, as every 2026-01 request schema is). */
const addressSchema = z
  .object({
    address1: z.string().min(1),
    address2: optionalText,
    company_name: optionalText,
    city: z.string().min(1),
    state: optionalText,
    country: z.string().min(1),
    zip_code: optionalText,
  })
  .strict();

/** `Orders.AddProductToOrderByReferenceIdModel`: a SKU ShipBob may not know yet, so its `name` is required. */
const productByReferenceSchema = z
  .object({
    reference_id: z.string().min(1),
    name: z.string().nullable(),
    quantity: int32.min(1),
    external_line_id: int32.nullish(),
    gtin: z.string().max(50).nullish(),
    quantity_unit_of_measure_code: optionalText,
    sku: optionalText,
    unit_price: z.number().nullish(),
    upc: z.string().max(50).nullish(),
  })
  .strict();

/** `Orders.AddProductToOrderByProductIdModel`: a product ShipBob already has, by its id. */
const productByIdSchema = z
  .object({
    id: int32,
    quantity: int32.min(1),
    external_line_id: int32.nullish(),
    quantity_unit_of_measure_code: optionalText,
  })
  .strict();

/** A product line by `reference_id`, or by ShipBob's product `id` when it has no `reference_id` (errors name the fields). */
const productSchema = z.unknown().transform((value, ctx) => {
  const byId = typeof value === 'object' && value !== null && 'id' in value && !('reference_id' in value);
  const parsed = (byId ? productByIdSchema : productByReferenceSchema).safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as never);
  return z.NEVER;
});

/**
 * `POST /2026-01/order` body, `Orders.CreateOrderModel`: unknown fields are refused at every level
 * (`additionalProperties: false`). `retailer_program_data` (B2B retail programs) is not modelled, so it is refused too.
 */
export const createOrderSchema = z
  .object({
    reference_id: z.string().min(1).max(300),
    order_number: z.string().max(400).nullish(),
    type: z.enum(['DTC', 'DropShip', 'B2B']),
    shipping_method: z.string().min(1),
    purchase_date: dateTime,
    requested_delivery_date: dateTime,
    gift_message: z.string().max(500).nullish(),
    location_id: int32.nullish(),
    origin_platform_program: z.string().max(100).nullish(),
    financials: z.object({ total_price: z.number().nullish() }).strict().optional(),
    sales_channel: z
      .enum([
        'amazon',
        'bigcommerce',
        'ebay',
        'faire',
        'macy',
        'magento',
        'shein',
        'shopify',
        'squarespace',
        'targetplus',
        'temu',
        'tiktok',
        'unleashed',
        'walmart',
        'woocommerce',
      ])
      .optional(),
    shipping_terms: z
      .object({
        carrier_type: z.enum(['Parcel', 'Freight']).optional(),
        payment_term: z.enum(['Collect', 'ThirdParty', 'Prepaid', 'MerchantResponsible']).optional(),
      })
      .strict()
      .optional(),
    recipient: z
      .object({
        name: z.string().min(1).max(300),
        email: z.email().nullish(),
        phone_number: z.string().max(50).nullish(),
        address: addressSchema,
      })
      .strict(),
    products: z.array(productSchema).min(1),
    tags: z.array(z.object({ name: z.string().min(1).max(50), value: z.string().min(1).max(500) }).strict()).nullish(),
  })
  .strict();

export type CreateOrderRequest = z.infer<typeof createOrderSchema>;

export const stockSchema = z.object({ outOfStockSkus: z.array(z.string().min(1)) }).strict();
export const endpointSchema = z.object({ url: z.url().nullable() }).strict();
export const shipSchema = z
  .object({
    carrier: z.string().min(1).max(100).optional(),
    tracking_number: z.string().min(1).max(100).optional(),
  })
  .strict();
/** A control that takes no options. */
export const emptySchema = z.object({}).strict();
export const reasonSchema = z.object({ reason: z.string().min(1).max(500).optional() }).strict();

const inventoryItemSchema = z
  .object({
    sku: z.string().min(1).max(100),
    /** On hand: physically in the warehouse, exception stock included. */
    quantity: z.number().int().min(0).max(2_000_000_000),
    exception: z.number().int().min(0).max(2_000_000_000).optional(),
    awaiting: z.number().int().min(0).max(2_000_000_000).optional(),
    name: z.string().min(1).max(300).optional(),
  })
  .strict();
export type InventoryItemRequest = z.infer<typeof inventoryItemSchema>;

/** `POST /__sandbox/inventory`: one SKU, or `{items: […]}` for many at once. */
export const inventorySchema = z.union([
  inventoryItemSchema,
  z.object({ items: z.array(inventoryItemSchema).min(1).max(10_000) }).strict(),
]);
