import { z } from 'zod';

const optionalText = z.string().nullish();

/** `POST /2.0/order` body, the fields the sandbox checks; anything else ShipBob accepts passes through unchecked. */
export const createOrderSchema = z.object({
  reference_id: z.string().min(1).max(300),
  order_number: z.string().max(300).nullish(),
  type: z.enum(['DTC', 'B2B', 'DropShip']).default('DTC'),
  shipping_method: z.string().min(1),
  purchase_date: optionalText,
  gift_message: optionalText,
  recipient: z.object({
    name: z.string().min(1),
    email: z.email().nullish(),
    phone_number: optionalText,
    address: z.object({
      address1: z.string().min(1),
      address2: optionalText,
      company_name: optionalText,
      city: z.string().min(1),
      state: optionalText,
      country: z.string().min(2).max(3),
      zip_code: optionalText,
    }),
  }),
  products: z
    .array(
      z.object({
        reference_id: z.string().min(1),
        name: z.string().min(1).nullish(),
        quantity: z.number().int().positive(),
        unit_price: z.number().nonnegative().nullish(),
        external_line_id: z.union([z.number(), z.string()]).nullish(),
      }),
    )
    .min(1),
  tags: z.array(z.object({ name: z.string(), value: z.string() })).nullish(),
});

export type CreateOrderRequest = z.infer<typeof createOrderSchema>;

export const stockSchema = z.object({ outOfStockSkus: z.array(z.string().min(1)) }).strict();
export const endpointSchema = z.object({ url: z.url().nullable() }).strict();
export const shipSchema = z
  .object({
    carrier: z.string().min(1).optional(),
    tracking_number: z.string().min(1).optional(),
  })
  .strict();
