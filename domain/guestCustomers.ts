import { emailKey, normalisedEmail, stripeNameOf, type SyncedCustomer } from './customerMapping';
import type { OrderSnapshot } from './orderSnapshot';
import type { OrderSettings } from './settings';

/**
 * Guests' Stripe customers: a paid guest order (Magento's `customer_is_guest`) whose PaymentIntent names no customer
 * gets one Stripe customer per normalised e-mail, marked `o2c_guest` and keyed as the customer sync keys it
 * (`o2c_customer_key` = `emailKey`), so the sync makes no Magento account for it and links it when the guest registers.
 * Pure parts: when an order needs one, the customer's synced fields, and the idempotency key every order of one guest
 * shares.
 */

/** The order is a guest's, paid without a Stripe customer, and the setting (`customer.createForGuests`, on when absent) asks for one. */
export function needsGuestStripeCustomer(
  order: Pick<OrderSnapshot, 'customer'>,
  payment: { customerId?: string | undefined },
  settings: Pick<OrderSettings, 'customers'>,
): boolean {
  return (
    order.customer.isGuest === true &&
    !payment.customerId &&
    normalisedEmail(order.customer.email ?? '') !== '' &&
    settings.customers.createForGuests
  );
}

/**
 * The guest's customer in the sync's canonical form: the order's e-mail (normalised) and name, and the order's ship-to
 * address as Stripe's `shipping` (the snapshot keeps no billing street, so no `address`).
 */
export function guestCustomerOf(order: Pick<OrderSnapshot, 'customer' | 'shipTo'>): SyncedCustomer {
  const name = stripeNameOf({ firstname: order.customer.firstname ?? '', lastname: order.customer.lastname ?? '' });
  const to = order.shipTo;
  const line1 = to?.street[0]?.trim();
  const text = (value: string | undefined): string | null => (value && value.trim() ? value.trim() : null);
  return {
    email: normalisedEmail(order.customer.email),
    name,
    phone: null,
    address: null,
    shipping:
      to && line1
        ? {
            name: stripeNameOf({ firstname: to.firstname ?? '', lastname: to.lastname ?? '' }) || name,
            phone: text(to.telephone),
            address: {
              line1,
              line2: text(to.street.slice(1).join(' ')),
              city: text(to.city),
              state: text(to.region),
              postal_code: text(to.postcode),
              country: text(to.countryId),
            },
          }
        : null,
  };
}

/** One key for every order of one guest: a retried or concurrent create returns the first customer (Stripe keeps keys 24 hours). */
export function guestCustomerIdempotencyKey(email: string): string {
  return `guest-customer:${emailKey(email)}`;
}
