import { readConnections, type ConnectionTuning } from '../config/connections';
import type { ApiEnv } from '../config/env';
import { ErpClient } from '../integrations/erp/client';
import { MagentoClient } from '../integrations/magento/client';
import { createStripeClient } from '../integrations/stripe/client';
import { WmsClient } from '../integrations/wms/client';
import type { OrderSystems } from './orderPage';

/** An operator waits for the page: fail a read sooner than an activity would. */
const pageReads: ConnectionTuning = { resilience: { timeoutMs: 8_000, readAttempts: 2 }, stripeTimeoutMs: 8_000 };

/**
 * The clients the order page reads documents with, from the same variables the worker uses (`npm start` and the
 * compose file give the API the same environment); a system whose variables are missing is left out, and the page says so.
 */
export function orderSystemsFromEnv(env: ApiEnv): OrderSystems {
  const { magento, erp, wms, stripe } = readConnections(env, pageReads);
  return {
    ...(magento.ok ? { magento: new MagentoClient(magento.options) } : {}),
    ...(erp.ok ? { erp: new ErpClient(erp.options) } : {}),
    ...(wms.ok ? { wms: new WmsClient(wms.options) } : {}),
    ...(stripe.ok ? { stripe: createStripeClient(stripe.options) } : {}),
  };
}
