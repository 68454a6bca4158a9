import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { FilePayoutReportStore } from '../integrations/storage/payoutReportStore';
import { apiEnvSchema, commaList, durationSeconds, loadEnv } from '../config/env';
import { createLogger } from '../config/logger';
import { dataConverterFrom, payloadCodecFrom } from '../config/payloadCodec';
import { temporalConnectionOptions, withTemporalProfile } from '../config/temporal';
import { createApp } from './app';
import { webUiOrigins } from './routes/codec';
import { orderSystemsFromEnv } from './orderSystems';

/** `npm run api`: the webhook receiver and operator API. Starts even when Temporal is down (readyz then answers 503). */
async function main(): Promise<void> {
  const log = createLogger('api');
  const env = withTemporalProfile(loadEnv(apiEnvSchema));
  const connection = Connection.lazy(temporalConnectionOptions(env));
  const payloadCodec = payloadCodecFrom(env);
  const temporal = new Client({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    dataConverter: dataConverterFrom(env),
  });
  const app = createApp({
    temporal,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    stripeWebhookSecrets: commaList(env.STRIPE_WEBHOOK_SECRET),
    wmsWebhookSecret: env.WMS_WEBHOOK_SECRET,
    adminToken: env.ADMIN_TOKEN,
    orderPage: { systems: orderSystemsFromEnv(env), webUiUrl: env.TEMPORAL_UI_URL },
    payoutReports: new FilePayoutReportStore(join(env.DATA_DIR, 'payout-reports')),
    codec: {
      payloadCodec,
      allowedOrigins: env.CODEC_CORS_ORIGINS ? commaList(env.CODEC_CORS_ORIGINS) : webUiOrigins(env.TEMPORAL_UI_URL),
    },
    trustProxy: env.TRUST_PROXY,
    publicOrigin: env.PUBLIC_URL ? new URL(env.PUBLIC_URL).origin : undefined,
    metricsToken: env.METRICS_TOKEN,
    sessions: { idleTimeoutSec: durationSeconds(env.OPS_SESSION_IDLE_TIMEOUT) },
    log,
  });
  const server = app.listen(env.API_PORT, env.API_HOST, () =>
    log.info({ host: env.API_HOST, port: env.API_PORT }, 'api listening'),
  );
  const shutdown = () => {
    log.info('api stopping');
    server.close(() => void connection.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
