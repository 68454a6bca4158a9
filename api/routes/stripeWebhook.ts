import express, { Router, type Request, type Response } from 'express';
import Stripe from 'stripe';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { intakeWorkflowId, toEnvelope } from '../../domain/stripeEvents';
import type { Logger } from '../../config/logger';
import { isTemporalUnavailable } from '../temporalErrors';

export const webhookBodyLimitBytes = 1024 * 1024;
const signatureToleranceSeconds = 300;

export interface StripeWebhookDeps {
  temporal: Client;
  taskQueue: string;
  /** Signing secrets; more than one while a secret is being rolled. */
  webhookSecrets: readonly string[];
  log: Logger;
}

type Verified = { ok: true; event: Stripe.Event } | { ok: false; reason: string };

function verify(body: Buffer, signature: string, secrets: readonly string[]): Verified {
  let reason = 'signature does not match';
  for (const secret of secrets) {
    try {
      return { ok: true, event: Stripe.webhooks.constructEvent(body, signature, secret, signatureToleranceSeconds) };
    } catch (err) {
      if (err instanceof SyntaxError) return { ok: false, reason: 'malformed JSON' };
      const message = (err as Error).message;
      if (/tolerance/i.test(message)) reason = 'timestamp outside the 300 s tolerance';
      else if (/Unable to extract timestamp and signatures/i.test(message)) reason = 'malformed Stripe-Signature header';
    }
  }
  return { ok: false, reason };
}

/** `POST /webhooks/stripe`: verify, then start the intake run keyed by the event ID; nothing is acknowledged that Temporal does not hold. */
export function stripeWebhookRoutes(deps: StripeWebhookDeps): Router {
  const router = Router();
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: webhookBodyLimitBytes }), async (req: Request, res: Response) => {
    const signature = req.header('stripe-signature');
    if (!signature) {
      deps.log.warn({ outcome: 'missing_signature' }, 'stripe webhook refused');
      res.status(400).json({ error: 'missing Stripe-Signature header' });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verified = verify(body, signature, deps.webhookSecrets);
    if (!verified.ok) {
      deps.log.warn({ outcome: 'bad_signature', reason: verified.reason }, 'stripe webhook refused');
      res.status(400).json({ error: verified.reason });
      return;
    }
    const { event } = verified;
    const workflowId = intakeWorkflowId(event.id);
    const log = deps.log.child({ eventId: event.id, eventType: event.type, workflowId });
    try {
      await deps.temporal.workflow.start('stripeEventIntake', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [toEnvelope(event)],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
      });
      log.info({ outcome: 'started' }, 'stripe event accepted');
      res.json({ received: true, workflowId, duplicate: false });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        log.info({ outcome: 'duplicate' }, 'stripe event already accepted');
        res.json({ received: true, workflowId, duplicate: true });
      } else if (isTemporalUnavailable(err)) {
        log.error({ outcome: 'temporal_unavailable', err: (err as Error).message }, 'stripe event not accepted: Temporal unreachable');
        res.status(503).json({ error: 'temporarily unavailable, retry later' });
      } else {
        log.error({ outcome: 'error', err: (err as Error).message }, 'stripe event not accepted');
        res.status(500).json({ error: 'internal error' });
      }
    }
  });
  return router;
}
