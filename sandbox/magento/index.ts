import express from 'express';
import { createPeer, type SandboxPeer } from '../kit/peer';
import { Store } from '../kit/store';
import { createAuthorizer, formBodyParser, type OAuthCredentials } from './auth';
import { magentoControls } from './controls';
import { creditmemoRoutes } from './creditmemos';
import { customerRoutes } from './customers';
import { magentoErrorHandler, magentoFaultResponders, routeNotFound } from './errors';
import { inventorySourceItemRoutes } from './inventorySourceItems';
import { inventorySourceRoutes } from './inventorySources';
import { invoiceRoutes } from './invoices';
import { orderActionRoutes } from './orderActions';
import { orderRoutes } from './orders';
import { shipmentRoutes } from './shipments';
import { stockItemRoutes } from './stockItems';
import { initialMagentoState, type MagentoContext, type MagentoState } from './types';

export type { MagentoState } from './types';
export type { OAuthCredentials } from './auth';

export interface MagentoSandboxOptions {
  /** Accepted as `Authorization: Bearer <token>` (an integration's access token). */
  token?: string;
  /** Accepted as OAuth 1.0a signed requests (HMAC-SHA256 or HMAC-SHA1). */
  oauth?: OAuthCredentials;
  /** Mirror the state to this JSON file so a restart keeps it. */
  dataFile?: string;
  now?: () => Date;
  /** Prefix of new orders' increment ids, like a Magento store's sequence prefix (default none). */
  incrementIdPrefix?: string;
  /** The MSI source shipments deduct from (default `default`). */
  shipmentSource?: string;
}

/** Store codes the API answers under: `/rest/default/V1/…`, `/rest/all/V1/…` and `/rest/V1/…`. */
const prefixes = ['/rest/default', '/rest/all', '/rest'];

/**
 * A local Magento 2.4 admin REST API: orders and their invoices, shipments and credit memos, customers, and MSI
 * inventory (sources, stock 1, source items, reservations, salable quantity, the legacy stock item).
 */
export function createMagentoSandbox(options: MagentoSandboxOptions = {}): SandboxPeer<MagentoState> {
  const store = new Store<MagentoState>(initialMagentoState, options.dataFile);
  const ctx: MagentoContext = {
    store,
    now: options.now ?? (() => new Date()),
    incrementIdPrefix: options.incrementIdPrefix ?? '',
    shipmentSource: options.shipmentSource ?? 'default',
  };
  const authorize = createAuthorizer({ token: options.token, oauth: options.oauth });

  const api = express.Router();
  const routes = [
    ...orderRoutes(ctx),
    ...orderActionRoutes(ctx),
    ...invoiceRoutes(ctx),
    ...shipmentRoutes(ctx),
    ...creditmemoRoutes(ctx),
    ...customerRoutes(ctx),
    ...inventorySourceRoutes(ctx),
    ...inventorySourceItemRoutes(ctx),
    ...stockItemRoutes(ctx),
  ];
  for (const route of routes) api[route.method](route.path, authorize(route.resource), route.handle);
  api.use(magentoErrorHandler);

  const router = express.Router();
  for (const prefix of prefixes) router.use(prefix, api);

  return createPeer({
    name: 'magento',
    store,
    bodyParsers: [express.json({ limit: '5mb' }), formBodyParser()],
    routes: router,
    controls: magentoControls(ctx),
    faultResponders: magentoFaultResponders(),
    notFound: routeNotFound,
  });
}
