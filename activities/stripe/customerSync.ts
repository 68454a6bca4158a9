import type Stripe from 'stripe';
import {
  customerKeyOf,
  stripeCustomerParams,
  stripeMetadata,
  syncedOfStripe,
  type SyncedCustomer,
} from '../../domain/customerMapping';
import { syncHash } from '../syncHash';
import { callStripe } from '../../integrations/stripe/client';

/** A Stripe customer as the sync needs it. */
export interface StripeCustomerSide {
  customerId: string;
  deleted: boolean;
  synced: SyncedCustomer;
  hash: string;
  storedHash?: string;
  key?: string;
  magentoCustomerId?: number;
  /** The linked Magento customer was deleted (then no link is left): no Magento account is made from this customer. */
  magentoDeletedAt?: string;
  /** Made for guest orders (metadata `o2c_guest`): no Magento account is made from it. */
  isGuest: boolean;
  createdMs: number;
}

function sideOf(customer: Stripe.Customer): StripeCustomerSide {
  const synced = syncedOfStripe(customer);
  const metadata = customer.metadata ?? {};
  const key = customerKeyOf(metadata[stripeMetadata.customerKey], customer.email);
  const magentoId = Number(metadata[stripeMetadata.magentoCustomerId]);
  return {
    customerId: customer.id,
    deleted: false,
    synced,
    hash: syncHash(synced),
    ...(metadata[stripeMetadata.syncHash] ? { storedHash: metadata[stripeMetadata.syncHash] } : {}),
    ...(key ? { key } : {}),
    ...(Number.isInteger(magentoId) && magentoId > 0 ? { magentoCustomerId: magentoId } : {}),
    ...(metadata[stripeMetadata.magentoDeletedAt]
      ? { magentoDeletedAt: metadata[stripeMetadata.magentoDeletedAt] }
      : {}),
    isGuest: metadata[stripeMetadata.guest] === 'true',
    createdMs: customer.created * 1000,
  };
}

/** Stripe activities of the customer sync; the sync's metadata: `magento_customer_id`, `o2c_sync_hash`, `o2c_customer_key`. */
export function createStripeCustomerSyncActivities(stripe: Stripe) {
  async function find(input: {
    customerId?: string;
    email?: string;
  }): Promise<Stripe.Customer | Stripe.DeletedCustomer | undefined> {
    if (input.customerId) {
      const id = input.customerId;
      return callStripe(() => stripe.customers.retrieve(id));
    }
    if (!input.email) return undefined;
    const email = input.email;
    const found = await callStripe(() => stripe.customers.list({ email, limit: 1 }));
    return found.data[0];
  }

  return {
    /** Read-only: the customer by id (a deleted one says so), else the newest with the e-mail; undefined when there is none. */
    async loadStripeCustomer(input: { customerId?: string; email?: string }): Promise<StripeCustomerSide | undefined> {
      const customer = await find(input);
      if (!customer) return undefined;
      if ('deleted' in customer && customer.deleted) {
        const synced = syncedOfStripe({ id: customer.id });
        return { customerId: customer.id, deleted: true, synced, hash: syncHash(synced), isGuest: false, createdMs: 0 };
      }
      return sideOf(customer as Stripe.Customer);
    },

    /**
     * Writes the synced fields (or only the sync's metadata) with the hash of the result, in one call. Creating uses an
     * idempotency key of the run's key, so a retried create returns the first customer.
     */
    async writeStripeCustomer(input: {
      customerId?: string;
      synced?: SyncedCustomer;
      key: string;
      magentoCustomerId?: number;
    }): Promise<StripeCustomerSide> {
      const current = input.customerId ? await find({ customerId: input.customerId }) : undefined;
      const live = current && !('deleted' in current && current.deleted) ? (current as Stripe.Customer) : undefined;
      if (!live && !input.synced)
        throw new Error(`Stripe customer ${input.customerId ?? '(new)'} not found for the sync's metadata`);
      const params = input.synced ? stripeCustomerParams(input.synced) : {};
      const resulting = syncedOfStripe({
        ...live,
        id: live?.id ?? '',
        ...params,
      });
      // Linking (a guest, or a deleted customer, registered in Magento) clears the guest and deletion marks: Stripe removes a key set to ''.
      const cleared =
        input.magentoCustomerId === undefined
          ? []
          : [stripeMetadata.magentoDeletedAt, stripeMetadata.guest].filter((k) => live?.metadata?.[k]);
      const metadata = {
        [stripeMetadata.syncHash]: syncHash(resulting),
        [stripeMetadata.customerKey]: input.key,
        ...(input.magentoCustomerId !== undefined
          ? { [stripeMetadata.magentoCustomerId]: String(input.magentoCustomerId) }
          : {}),
        ...Object.fromEntries(cleared.map((k) => [k, ''])),
      };
      if (live) return sideOf(await callStripe(() => stripe.customers.update(live.id, { ...params, metadata })));
      return sideOf(
        await callStripe(() =>
          stripe.customers.create(
            { ...params, metadata },
            { idempotencyKey: `customer-sync:${input.key}:${syncHash(resulting).slice(0, 16)}` },
          ),
        ),
      );
    },

    /**
     * The linked Magento customer was deleted: removes the link from the Stripe customer's metadata and marks when (the
     * customer itself is never deleted). Does nothing when the customer is linked to another Magento customer by now.
     */
    async unlinkDeletedMagentoCustomer(input: {
      customerId: string;
      magentoCustomerId: number;
      at: string;
    }): Promise<{ changed: boolean }> {
      const current = await find({ customerId: input.customerId });
      if (!current || ('deleted' in current && current.deleted)) return { changed: false };
      const metadata = (current as Stripe.Customer).metadata ?? {};
      if (metadata[stripeMetadata.magentoCustomerId] !== String(input.magentoCustomerId)) return { changed: false };
      await callStripe(() =>
        stripe.customers.update(input.customerId, {
          metadata: { [stripeMetadata.magentoCustomerId]: '', [stripeMetadata.magentoDeletedAt]: input.at },
        }),
      );
      return { changed: true };
    },
  };
}

export type StripeCustomerSyncActivities = ReturnType<typeof createStripeCustomerSyncActivities>;
