import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import type { OrderSettings } from '../domain/settings';
import { createErpActivities } from './erp/activities';
import { createCreditMemoSyncActivities } from './magento/creditMemoSync';
import { createMagentoCustomerSyncActivities } from './magento/customerSync';
import { createErpCustomerSyncActivities } from './erp/customerSync';
import { createStripeCustomerSyncActivities } from './stripe/customerSync';
import type { ErpClient } from '../integrations/erp/client';
import { createIntakeActivities } from './intake/activities';
import { createInventoryActivities } from './inventory/activities';
import { createMagentoActivities } from './magento/activities';
import type { MagentoClient } from '../integrations/magento/client';
import { createNotifyActivities } from './notify/activities';
import type { Mailer } from '../integrations/mail/mailer';
import { createReportActivities } from './reports/activities';
import type { PayoutReportStore } from '../integrations/storage/payoutReportStore';
import { createSettingsActivities } from './settings';
import { createStripeActivities } from './stripe/activities';
import { createCreditMemoRefundActivities } from './stripe/creditMemoRefunds';
import { createGuestCustomerActivities } from './stripe/guestCustomers';
import { createPayoutTransactionActivities } from './stripe/payoutTransactions';
import { createWmsActivities } from './wms/activities';
import type { WmsClient } from '../integrations/wms/client';

/** Everything the activities talk to: the worker builds these from the environment, tests point them at the sandbox. */
export interface ProductClients {
  magento: MagentoClient;
  erp: ErpClient;
  wms: WmsClient;
  stripe: Stripe;
  mailer: Mailer;
  temporal: Client;
  taskQueue: string;
  settings: OrderSettings;
  /** Where payout reconciliation reports are written (the API reads the same store). */
  payoutReports: PayoutReportStore;
  /** CUSTOMER_ID_KEY's bytes: customer runs' ids are keyed with it (`customerWorkflowId`). */
  customerIdKey: Uint8Array;
}

export function createProductActivities(clients: ProductClients) {
  return {
    ...createMagentoActivities(clients.magento),
    ...createCreditMemoSyncActivities(clients.magento),
    ...createMagentoCustomerSyncActivities(
      clients.magento,
      clients.settings.customers?.stripeCustomerIdAttribute ?? 'stripe_customer_id',
    ),
    ...createStripeCustomerSyncActivities(clients.stripe),
    ...createGuestCustomerActivities(clients.stripe),
    ...createErpCustomerSyncActivities(clients.erp, clients.settings.erp),
    ...createErpActivities(clients.erp),
    ...createWmsActivities(clients.wms),
    ...createStripeActivities(clients.stripe),
    ...createCreditMemoRefundActivities(clients.stripe),
    ...createPayoutTransactionActivities(clients.stripe, clients.payoutReports),
    ...createReportActivities(clients.payoutReports),
    ...createNotifyActivities(clients.mailer),
    ...createSettingsActivities(clients.settings),
    ...createIntakeActivities(clients.temporal, clients.taskQueue, clients.stripe, clients.customerIdKey),
    ...createInventoryActivities(clients),
  };
}

export type ProductActivities = ReturnType<typeof createProductActivities>;
