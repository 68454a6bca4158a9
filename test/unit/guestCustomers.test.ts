import { emailKey } from '../../domain/customerMapping';
import { guestCustomerIdempotencyKey, guestCustomerOf, needsGuestStripeCustomer } from '../../domain/guestCustomers';
import type { OrderSnapshot } from '../../domain/orderSnapshot';

const order = (over: Partial<OrderSnapshot> = {}): Pick<OrderSnapshot, 'customer' | 'shipTo'> => ({
  customer: { email: ' Ada@Example.com ', firstname: 'Ada', lastname: 'Lovelace', isGuest: true },
  shipTo: {
    firstname: 'Ada',
    lastname: 'Lovelace',
    street: ['12 Analytical Row', 'Flat 2'],
    city: 'London',
    postcode: 'N1 9GU',
    countryId: 'GB',
    telephone: '+44 20 7946 0000',
  },
  ...over,
});

describe('guests’ Stripe customers', () => {
  it('wants one for a guest’s order paid without a Stripe customer, and not otherwise', () => {
    const on = { customers: { stripeCustomerIdAttribute: 'stripe_customer_id', createForGuests: true } };
    expect(needsGuestStripeCustomer(order(), {}, on)).toBe(true);
    expect(needsGuestStripeCustomer(order(), { customerId: 'cus_1' }, on)).toBe(false);
    expect(needsGuestStripeCustomer(order({ customer: { email: 'a@example.com', isGuest: false } }), {}, on)).toBe(
      false,
    );
    // Snapshots taken before `isGuest` was kept say nothing: not a guest.
    expect(needsGuestStripeCustomer(order({ customer: { email: 'a@example.com' } }), {}, on)).toBe(false);
    expect(needsGuestStripeCustomer(order({ customer: { email: '  ', isGuest: true } }), {}, on)).toBe(false);
    expect(
      needsGuestStripeCustomer(order(), {}, { customers: { stripeCustomerIdAttribute: 'x', createForGuests: false } }),
    ).toBe(false);
    expect(
      needsGuestStripeCustomer(order(), {}, { customers: { stripeCustomerIdAttribute: 'x', createForGuests: true } }),
    ).toBe(true);
  });

  it('takes the normalised e-mail, the name and the ship-to address from the order', () => {
    expect(guestCustomerOf(order())).toEqual({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: null,
      address: null,
      shipping: {
        name: 'Ada Lovelace',
        phone: '+44 20 7946 0000',
        address: {
          line1: '12 Analytical Row',
          line2: 'Flat 2',
          city: 'London',
          state: null,
          postal_code: 'N1 9GU',
          country: 'GB',
        },
      },
    });
    expect(guestCustomerOf(order({ shipTo: undefined })).shipping).toBeNull();
    expect(guestCustomerOf(order({ shipTo: { street: [] } })).shipping).toBeNull();
  });

  it('gives every order of one guest the same idempotency key, whatever the e-mail’s case and spaces, and no e-mail in it', () => {
    const key = guestCustomerIdempotencyKey('Ada@Example.com ');
    expect(key).toBe(guestCustomerIdempotencyKey('ada@example.com'));
    expect(key).toBe(`guest-customer:${emailKey('ada@example.com')}`);
    expect(key).not.toContain('example');
  });
});
