import { erpCustomerFieldsOf, type SyncedCustomer } from '../../domain/customerMapping';
import type { ErpSettings } from '../../domain/settings';
import { createErpActivities } from './activities';
import type { ErpClient } from '../../integrations/erp/client';

/** The ERP side of the customer sync: the Customer with the e-mail, made as orders make it, then kept in step. */
export function createErpCustomerSyncActivities(
  erp: ErpClient,
  settings: Pick<ErpSettings, 'customerGroup' | 'territory'>,
) {
  const { upsertErpCustomer } = createErpActivities(erp);
  return {
    /**
     * Looks before it writes: finds (or makes, as an order would) the Customer with the e-mail, and updates only the
     * fields that differ. Returns the Customer's name and whether anything was written.
     */
    async syncErpCustomer(input: {
      synced: SyncedCustomer;
      previousEmail?: string;
    }): Promise<{ customer: string; changed: boolean }> {
      const fields = erpCustomerFieldsOf(input.synced);
      const lookupEmail =
        input.previousEmail && input.previousEmail !== fields.email_id ? input.previousEmail : fields.email_id;
      const name = await upsertErpCustomer({
        customer_name: fields.customer_name,
        customer_type: 'Individual',
        customer_group: settings.customerGroup,
        territory: settings.territory,
        email_id: lookupEmail,
      });
      const current = await erp.getDoc('Customer', name);
      const changes = Object.fromEntries(
        Object.entries(fields).filter(([field, value]) => (current as Record<string, unknown>)[field] !== value),
      );
      if (Object.keys(changes).length === 0) return { customer: name, changed: false };
      await erp.updateDoc('Customer', name, changes);
      return { customer: name, changed: true };
    },
  };
}

export type ErpCustomerSyncActivities = ReturnType<typeof createErpCustomerSyncActivities>;
