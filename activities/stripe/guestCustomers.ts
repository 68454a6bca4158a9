import Stripe from 'stripe';
import {
  emailKey,
  stripeCustomerParams,
  stripeMetadata,
  syncedOfStripe,
  type StripeCustomerLike,
  type SyncedCustomer,
} from '../../domain/customerMapping';
import { guestCustomerIdempotencyKey } from '../../domain/guestCustomers';
import { ExternalSystemError } from '../../integrations/http/errors';
import { syncHash } from '../syncHash';
import { callStripe, stripeError } from '../../integrations/stripe/client';

export interface GuestStripeCustomer {
  customerId: string;
  /** Made now; false when Stripe already had a customer with the e-mail (the guest's from an earlier order, or anyone's). */
  created: boolean;
}

/** The Stripe customer of guest orders (`domain/guestCustomers.ts`). */
export function createGuestCustomerActivities(stripe: Stripe) {
  async function withEmail(email: string): Promise<string | undefined> {
    return (await callStripe(() => stripe.customers.list({ email, limit: 1 }))).data[0]?.id;
  }

  return {
    /**
     * Looks before it writes: the Stripe customer with the guest's e-mail when there is one (kept as it is), else one made
     * with the idempotency key of the e-mail's key, so a retry, or another order of the same guest at the same time,
     * gets the same customer. Made customers carry `o2c_guest: 'true'`, the sync's key and the sync hash of their fields.
     */
    async ensureGuestStripeCustomer(input: { guest: SyncedCustomer }): Promise<GuestStripeCustomer> {
      const { guest } = input;
      const found = await withEmail(guest.email);
      if (found) return { customerId: found, created: false };
      const params = stripeCustomerParams(guest);
      const resulting = syncedOfStripe({ id: '', ...params } as StripeCustomerLike);
      const metadata = {
        [stripeMetadata.guest]: 'true',
        [stripeMetadata.customerKey]: emailKey(guest.email),
        [stripeMetadata.syncHash]: syncHash(resulting),
      };
      try {
        const created = await stripe.customers.create(
          { ...(params as Stripe.CustomerCreateParams), metadata },
          { idempotencyKey: guestCustomerIdempotencyKey(guest.email) },
        );
        // A replayed answer is the customer another order (or an earlier attempt) made with the key.
        return { customerId: created.id, created: created.lastResponse?.headers?.['idempotent-replayed'] !== 'true' };
      } catch (err) {
        if (!(err instanceof Stripe.errors.StripeIdempotencyError)) throw stripeError(err);
        // Another order of this guest used the key with other fields (another address), or is using it now: its customer is the one.
        const theirs = await withEmail(guest.email);
        if (theirs) return { customerId: theirs, created: false };
        throw new ExternalSystemError(
          'Stripe',
          `the guest customer is being made by another order (${err.message})`,
          err.statusCode,
          'transient',
        );
      }
    },
  };
}

export type GuestCustomerActivities = ReturnType<typeof createGuestCustomerActivities>;
