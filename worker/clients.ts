import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { mailConnection, requireConnections } from '../config/connections';
import { customerIdKeyBytes, type WorkerEnv } from '../config/env';
import type { ProductClients } from '../activities';
import { ErpClient } from '../integrations/erp/client';
import { MagentoClient } from '../integrations/magento/client';
import { Mailer } from '../integrations/mail/mailer';
import { FilePayoutReportStore } from '../integrations/storage/payoutReportStore';
import { createStripeClient } from '../integrations/stripe/client';
import { WmsClient } from '../integrations/wms/client';
import type { OrderSettings } from '../domain/settings';

/** The worker's clients, from the validated environment; missing connection values stop start-up, each one named. */
export function clientsFromEnv(env: WorkerEnv, settings: OrderSettings, temporal: Client): ProductClients {
  const connections = requireConnections(env, { who: 'the worker' });
  return {
    magento: new MagentoClient(connections.magento),
    erp: new ErpClient(connections.erp),
    wms: new WmsClient(connections.wms),
    stripe: createStripeClient(connections.stripe),
    mailer: new Mailer(mailConnection(env)),
    temporal,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    settings,
    payoutReports: new FilePayoutReportStore(join(env.DATA_DIR, 'payout-reports')),
    customerIdKey: customerIdKeyBytes(env.CUSTOMER_ID_KEY),
  };
}
