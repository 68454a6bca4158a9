import { Command } from 'commander';
import { z } from 'zod';
import { MagentoClient } from '../integrations/magento/client';
import { createStripeClient } from '../integrations/stripe/client';
import { ConfigError } from '../config/env';
import { shopCurrencies } from './shop/catalogue';
import { shopConnections } from './shop/config';
import { placeOrders } from './shop/placeOrders';
import { formatSummary, progressReporter } from './shop/report';

/**
 * `npm run shop -- --orders N`: storefront traffic. Places N orders in (sandbox) Magento and pays each through (sandbox)
 * Stripe, which then sends its signed webhooks to the product.
 */
const rate = (name: string) =>
  z.coerce.number().min(0, `${name} must be between 0 and 1`).max(1, `${name} must be between 0 and 1`);
const optionsSchema = z
  .object({
    orders: z.coerce.number().int().min(1).max(100_000),
    declineRate: rate('--decline-rate'),
    fraudRate: rate('--fraud-rate'),
    currency: z
      .string()
      .transform((c) => c.toUpperCase())
      .pipe(z.enum([...shopCurrencies, 'MIX']))
      .transform((c) => (c === 'MIX' ? ('mix' as const) : c)),
    concurrency: z.coerce.number().int().min(1).max(64),
    seed: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  })
  .refine((o) => o.declineRate + o.fraudRate <= 1, { message: '--decline-rate plus --fraud-rate must not exceed 1' });

async function main(argv: string[]): Promise<number> {
  const program = new Command('shop')
    .description('Places orders in sandbox Magento and pays them through sandbox Stripe')
    .requiredOption('--orders <n>', 'number of orders to place')
    .option('--decline-rate <r>', 'share of orders paid with a card that declines (pm_card_chargeDeclined)', '0.1')
    .option('--fraud-rate <r>', 'share of orders paid with an elevated-risk card (pm_card_riskLevelElevated)', '0.05')
    .option('--currency <code>', `${shopCurrencies.join(', ')} or mix`, 'mix')
    .option('--concurrency <k>', 'orders in flight at once', '4')
    .option('--seed <s>', 'seed for a reproducible run (default: random, printed at the end)')
    .parse(argv);

  const parsed = optionsSchema.safeParse(program.opts());
  if (!parsed.success) {
    return program.error(
      parsed.error.issues
        .map(
          (i) =>
            `${i.path.length ? `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ` : ''}${i.message}`,
        )
        .join('\n'),
    );
  }
  const { seed = Math.floor(Math.random() * 0xffffffff), ...options } = parsed.data;

  const connections = shopConnections();
  const clients = {
    magento: new MagentoClient(connections.magento),
    stripe: createStripeClient(connections.stripe),
  };
  console.log(
    `placing ${options.orders} orders: Magento ${connections.magento.baseUrl}, Stripe ${connections.stripe.apiBase ?? 'api.stripe.com'}`,
  );
  const progress = progressReporter(options.orders, Boolean(process.stdout.isTTY) && !process.env.CI);
  const summary = await placeOrders({ ...options, seed }, clients, progress.onProgress).finally(() => progress.stop());
  console.log(formatSummary(summary));
  if (summary.failed > 0) {
    console.error(`${summary.failed} order(s) failed unexpectedly; first: ${summary.errors[0]}`);
    return 1;
  }
  return 0;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
