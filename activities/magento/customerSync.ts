import {
  customAttribute,
  customerKeyOf,
  magentoCustomerKeyAttribute,
  magentoCustomerWith,
  magentoStripeDeletedAttribute,
  magentoSyncHashAttribute,
  syncedOfMagento,
  withCustomAttributes,
  type SyncedCustomer,
} from '../../domain/customerMapping';
import { normalisedUpdatedAt } from '../../domain/customerPoll';
import { magentoDateTimeMs, type MagentoCustomer } from '../../domain/magento';
import { ExternalSystemError } from '../../integrations/http/errors';
import { syncHash } from '../syncHash';
import type { MagentoClient } from '../../integrations/magento/client';
import type { Filter } from '../../integrations/magento/searchCriteria';

/** A Magento customer as the sync needs it: ids and the synced fields, no whole document. */
export interface MagentoCustomerSide {
  customerId: number;
  synced: SyncedCustomer;
  hash: string;
  storedHash?: string;
  key?: string;
  stripeCustomerId?: string;
  stripeDeletedAt?: string;
  changedAtMs: number;
}

/** A customer as the poll lists it: no name or e-mail, only what deciding whether to hand it to its run needs. */
export interface ListedMagentoCustomer {
  customerId: number;
  /** Magento's UTC `YYYY-MM-DD HH:MM:SS`. */
  updatedAt: string;
  /** The run's key (`customer:<key>`); absent when the customer has no e-mail. */
  key?: string;
  /** Linked to a Stripe customer and its synced fields hash to what our last write stored: nothing for its run to do. */
  isInStep: boolean;
}

export interface MagentoCustomerPage {
  customers: ListedMagentoCustomer[];
  isLastPage: boolean;
}

function sideOf(customer: MagentoCustomer, stripeIdAttribute: string): MagentoCustomerSide {
  const synced = syncedOfMagento(customer);
  const storedHash = customAttribute(customer, magentoSyncHashAttribute);
  const key = customerKeyOf(customAttribute(customer, magentoCustomerKeyAttribute), customer.email);
  const stripeCustomerId = customAttribute(customer, stripeIdAttribute);
  const stripeDeletedAt = customAttribute(customer, magentoStripeDeletedAttribute);
  const updatedAt = typeof customer.updated_at === 'string' ? magentoDateTimeMs(customer.updated_at) : Number.NaN;
  return {
    customerId: customer.id,
    synced,
    hash: syncHash(synced),
    ...(storedHash ? { storedHash } : {}),
    ...(key ? { key } : {}),
    ...(stripeCustomerId ? { stripeCustomerId } : {}),
    ...(stripeDeletedAt ? { stripeDeletedAt } : {}),
    changedAtMs: Number.isNaN(updatedAt) ? 0 : updatedAt,
  };
}

/**
 * Magento activities of the customer sync. The sync's own attributes: the Stripe customer id (its code from
 * config/mappings.yaml), `o2c_sync_hash` (the hash of the synced fields as our last write left them) and
 * `o2c_customer_key` (the run's key).
 */
export function createMagentoCustomerSyncActivities(magento: MagentoClient, stripeIdAttribute: string) {
  async function find(input: { customerId?: number; email?: string }): Promise<MagentoCustomer | undefined> {
    if (input.customerId !== undefined) {
      try {
        return await magento.getCustomer(input.customerId);
      } catch (err) {
        if (!(err instanceof ExternalSystemError && err.status === 404)) throw err;
      }
    }
    if (!input.email) return undefined;
    const found = await magento.searchCustomers([[{ field: 'email', value: input.email.trim() }]], { pageSize: 1 });
    return found.items[0];
  }

  return {
    /** Read-only: the customer by id, else by e-mail; undefined when Magento has none. */
    async loadMagentoCustomer(input: {
      customerId?: number;
      email?: string;
    }): Promise<MagentoCustomerSide | undefined> {
      const customer = await find(input);
      return customer ? sideOf(customer, stripeIdAttribute) : undefined;
    },

    /**
     * Writes the synced fields (or, without them, only the sync's attributes) and the hash of the result, in one save.
     * Creating looks for a customer with the e-mail first, so a retry finds the first one.
     */
    async writeMagentoCustomer(input: {
      customerId?: number;
      synced?: SyncedCustomer;
      key: string;
      stripeCustomerId?: string;
    }): Promise<MagentoCustomerSide> {
      const current = await find({
        ...(input.customerId !== undefined ? { customerId: input.customerId } : {}),
        ...(input.synced ? { email: input.synced.email } : {}),
      });
      if (!current && !input.synced)
        throw new Error(`Magento customer ${input.customerId ?? '(new)'} not found for the sync's attributes`);
      const fields = (input.synced ? magentoCustomerWith(current, input.synced) : current!) as MagentoCustomer;
      const resulting = syncedOfMagento(fields);
      const next = withCustomAttributes(fields, {
        [magentoSyncHashAttribute]: syncHash(resulting),
        [magentoCustomerKeyAttribute]: input.key,
        ...(input.stripeCustomerId ? { [stripeIdAttribute]: input.stripeCustomerId } : {}),
      });
      const saved = current
        ? await magento.saveCustomer({ ...next, id: current.id })
        : await magento.createCustomer(next);
      return sideOf(saved, stripeIdAttribute);
    },

    /** The Stripe customer was deleted: flagged on the Magento customer (never deleted here), unless it already is. */
    async flagMagentoCustomerStripeDeleted(input: { customerId: number; at: string }): Promise<{ changed: boolean }> {
      const current = await magento.getCustomer(input.customerId);
      if (customAttribute(current, magentoStripeDeletedAttribute)) return { changed: false };
      await magento.saveCustomer(withCustomAttributes(current, { [magentoStripeDeletedAttribute]: input.at }));
      return { changed: true };
    },

    /**
     * Read-only: one page of customers with `updated_at` at or after `since` (less `excludeIds`), by `updated_at` then id;
     * each says whether it is as our last write left it (an echo of our own save), so the poll need not wake its run.
     */
    async listMagentoCustomersUpdatedSince(input: {
      since: string;
      excludeIds?: number[];
      pageSize?: number;
    }): Promise<MagentoCustomerPage> {
      const pageSize = input.pageSize ?? 50;
      const groups: Filter[][] = [[{ field: 'updated_at', value: input.since, conditionType: 'gteq' }]];
      if (input.excludeIds?.length)
        groups.push([{ field: 'entity_id', value: input.excludeIds.join(','), conditionType: 'nin' }]);
      const page = await magento.searchCustomers(groups, {
        pageSize,
        currentPage: 1,
        sortOrders: [
          { field: 'updated_at', direction: 'ASC' },
          { field: 'entity_id', direction: 'ASC' },
        ],
      });
      return {
        customers: page.items.map((c) => {
          const side = sideOf(c, stripeIdAttribute);
          return {
            customerId: c.id,
            updatedAt: normalisedUpdatedAt(c.updated_at) ?? input.since,
            ...(side.key ? { key: side.key } : {}),
            isInStep: Boolean(side.stripeCustomerId) && side.storedHash === side.hash,
          };
        }),
        isLastPage: page.items.length < pageSize,
      };
    },
  };
}

export type MagentoCustomerSyncActivities = ReturnType<typeof createMagentoCustomerSyncActivities>;
