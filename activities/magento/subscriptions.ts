import { renewalOrderFor, type InvoiceSnapshot, type RenewalSettings } from '../../domain/subscriptions';
import type { MagentoClient } from '../../integrations/magento/client';

/** The customer attribute the product keeps a subscriber's state in (a text customer attribute the merchant creates). */
export const subscriptionAttribute = 'stripe_subscription';

/** Magento activities for subscriptions: renewal orders, and the subscriber's state on the customer. */
export function createMagentoSubscriptionActivities(magento: MagentoClient) {
  return {
    /**
     * The Magento order for a paid subscription invoice, once: an order with the invoice id as `ext_order_id` is the
     * one. Created through `POST /V1/orders`, equal to the invoice to the minor unit (domain/subscriptions.ts).
     */
    async createRenewalOrder(input: {
      invoice: InvoiceSnapshot;
      settings: RenewalSettings;
    }): Promise<{ incrementId: string; entityId: number; created: boolean }> {
      const found = await magento.searchOrders([[{ field: 'ext_order_id', value: input.invoice.invoiceId }]], {
        pageSize: 1,
      });
      const existing = found.items[0];
      if (existing) return { incrementId: existing.increment_id, entityId: existing.entity_id, created: false };
      const order = await magento.createOrder(renewalOrderFor(input.invoice, input.settings));
      return { incrementId: order.increment_id, entityId: order.entity_id, created: true };
    },

    /**
     * Writes the subscriber's state (`active`, `past_due: retry 2 on …`, `canceled`…) on the Magento customer with that
     * e-mail, unless it already says so. A buyer with no Magento account (a guest) has nothing to mark.
     */
    async markMagentoSubscriber(input: {
      email: string;
      value: string;
    }): Promise<{ customerId?: number; changed: boolean }> {
      const found = await magento.searchCustomers([[{ field: 'email', value: input.email.trim() }]], { pageSize: 1 });
      const customer = found.items[0];
      if (!customer) return { changed: false };
      const attributes = customer.custom_attributes ?? [];
      if (attributes.some((a) => a.attribute_code === subscriptionAttribute && a.value === input.value))
        return { customerId: customer.id, changed: false };
      await magento.saveCustomer({
        ...customer,
        custom_attributes: [
          ...attributes.filter((a) => a.attribute_code !== subscriptionAttribute),
          { attribute_code: subscriptionAttribute, value: input.value },
        ],
      });
      return { customerId: customer.id, changed: true };
    },
  };
}

export type MagentoSubscriptionActivities = ReturnType<typeof createMagentoSubscriptionActivities>;
