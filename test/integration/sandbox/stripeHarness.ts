import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { createStripeSandbox, type StripeSandboxOptions } from '../../../sandbox/stripe';
import { startPeer, type RunningPeer } from '../../harness/peers';

export const secretKey = 'sk_test_sandbox_51Harness0000000000';
export const webhookSecret = 'whsec_sandbox_harness_secret';

export interface ReceivedWebhook {
  event: Stripe.Event;
  receivedAtMs: number;
}

/** A webhook endpoint that verifies every delivery with `stripe.webhooks.constructEvent`, as the product does. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly rejected: string[] = [];
  /** Decides the HTTP status for each verified delivery (default 200). */
  respond: (event: Stripe.Event, attempt: number) => number = () => 200;
  private readonly attempts = new Map<string, number>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const app = express();
    app.post('/webhooks/stripe', express.raw({ type: '*/*' }), (req, res) => {
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(req.body as Buffer, req.get('stripe-signature') ?? '', webhookSecret);
      } catch (err) {
        this.rejected.push(err instanceof Error ? err.message : String(err));
        return void res.status(400).send('bad signature');
      }
      const attempt = (this.attempts.get(event.id) ?? 0) + 1;
      this.attempts.set(event.id, attempt);
      const status = this.respond(event, attempt);
      if (status >= 200 && status < 300) this.received.push({ event, receivedAtMs: Date.now() });
      res.status(status).json({ received: status < 300 });
    });
    this.server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server?.once('listening', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/stripe`;
  }

  attemptsFor(eventId: string): number {
    return this.attempts.get(eventId) ?? 0;
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }

  clear(): void {
    this.received.length = 0;
    this.rejected.length = 0;
    this.attempts.clear();
    this.respond = () => 200;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

export interface StripeHarness {
  stripe: Stripe;
  baseUrl: string;
  sandbox: ReturnType<typeof createStripeSandbox>;
  running: RunningPeer;
  close(): Promise<void>;
}

/** The sandbox on a free port and the official client pointed at it. */
export async function startStripeSandbox(
  options: Partial<StripeSandboxOptions> = {},
  clientConfig: Stripe.StripeConfig = {},
): Promise<StripeHarness> {
  const sandbox = createStripeSandbox({ secretKey, webhookSecret, retryBaseMs: 50, ...options });
  const running = await startPeer(sandbox);
  const port = Number(new URL(running.url).port);
  const stripe = new Stripe(secretKey, {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 0,
    ...clientConfig,
  });
  return {
    stripe,
    baseUrl: running.url,
    sandbox,
    running,
    close: async () => {
      sandbox.stop();
      await running.close();
    },
  };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
