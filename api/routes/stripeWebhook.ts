import express, { Router, type Request, type Response } from 'express';
import Stripe from 'stripe';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { eventTypeLabel, isHandledEventType, redundantEventReason } from '../../domain/eventRouting';
import {
  envelopeBounds,
  envelopeProblem,
  intakeStart,
  toEnvelope,
  unusableEventStart,
} from '../../domain/stripeEvents';
import type { Logger } from '../../config/logger';
import type { ApiMetrics } from '../metrics';
import { isTemporalUnavailable } from '../temporalErrors';

export const webhookBodyLimitBytes = 1024 * 1024;
const signatureToleranceSeconds = 300;
/** Stripe wants a quick answer: past this, give up on Temporal and answer 503 so Stripe delivers again. */
const temporalDeadlineMs = 5_000;

export interface StripeWebhookDeps {
  temporal: Client;
  taskQueue: string;
  /** Signing secrets; more than one while a secret is being rolled. */
  webhookSecrets: readonly string[];
  log: Logger;
  metrics: ApiMetrics;
}

type Verified = { ok: true; event: Stripe.Event } | { ok: false; outcome: string; reason: string };

/**
 * Stripe's constructEvent refuses a timestamp too far in the past only: one signed for the future would stay
 * replayable until then. Every `t=` of the header counts (the SDK takes the last one).
 */
function signedInTheFuture(signature: string, nowSeconds: number): boolean {
  return signature
    .split(',')
    .map((item) => item.split('='))
    .some(
      ([key, value]) =>
        key?.trim() === 't' && Number.parseInt(value ?? '', 10) > nowSeconds + signatureToleranceSeconds,
    );
}

function verify(body: Buffer, signature: string, secrets: readonly string[]): Verified {
  if (signedInTheFuture(signature, Math.floor(Date.now() / 1000)))
    return {
      ok: false,
      outcome: 'future_timestamp',
      reason: `timestamp more than the ${signatureToleranceSeconds} s tolerance in the future`,
    };
  let failure = { outcome: 'bad_signature', reason: 'signature does not match' };
  for (const secret of secrets) {
    try {
      return { ok: true, event: Stripe.webhooks.constructEvent(body, signature, secret, signatureToleranceSeconds) };
    } catch (err) {
      if (err instanceof SyntaxError) return { ok: false, outcome: 'malformed_json', reason: 'malformed JSON' };
      const message = (err as Error).message;
      if (/tolerance/i.test(message))
        failure = {
          outcome: 'stale_timestamp',
          reason: `timestamp outside the ${signatureToleranceSeconds} s tolerance`,
        };
      else if (/Unable to extract timestamp and signatures/i.test(message))
        failure = { outcome: 'bad_signature', reason: 'malformed Stripe-Signature header' };
    }
  }
  return { ok: false, ...failure };
}

/** A verified event must still look like an event before anything is started for it. */
function looksLikeEvent(event: Stripe.Event): boolean {
  return (
    typeof event?.id === 'string' &&
    event.id.length <= envelopeBounds.maxIdChars &&
    /^evt_[A-Za-z0-9_]+$/.test(event.id) &&
    typeof event.type === 'string' &&
    typeof event.data?.object === 'object' &&
    event.data.object !== null
  );
}

/**
 * `POST /webhooks/stripe`: verify, then start the intake run keyed by the event ID. Nothing is acknowledged that
 * Temporal does not hold: when Temporal cannot be reached the answer is 503, and Stripe delivers again.
 */
export function stripeWebhookRoutes(deps: StripeWebhookDeps): Router {
  const router = Router();
  const { metrics } = deps;
  router.post(
    '/webhooks/stripe',
    express.raw({ type: () => true, limit: webhookBodyLimitBytes }),
    async (req: Request, res: Response) => {
      const stopTimer = metrics.webhookAckSeconds.startTimer({ source: 'stripe' });
      const answer = (status: number, outcome: string, body: object) => {
        metrics.webhookRequests.inc({ source: 'stripe', outcome });
        stopTimer();
        res.status(status).json(body);
      };
      const signature = req.header('stripe-signature');
      if (!signature) {
        deps.log.warn({ outcome: 'missing_signature' }, 'stripe webhook refused');
        return answer(400, 'missing_signature', { error: 'missing Stripe-Signature header' });
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verified = verify(body, signature, deps.webhookSecrets);
      if (!verified.ok) {
        deps.log.warn({ outcome: verified.outcome, reason: verified.reason }, 'stripe webhook refused');
        return answer(400, verified.outcome, { error: verified.reason });
      }
      const { event } = verified;
      if (!looksLikeEvent(event)) {
        deps.log.warn({ outcome: 'not_an_event' }, 'stripe webhook refused: signed, but not an event');
        return answer(400, 'not_an_event', { error: 'body is not a Stripe event (id, type, data.object)' });
      }
      const type = eventTypeLabel(event.type);
      // An unhandled type is logged as `other` too: a signed body chooses it, and it may be anything.
      const log = deps.log.child({ eventId: event.id, eventType: type });
      if (!isHandledEventType(event.type)) {
        metrics.ignored.inc({ type });
        log.info({ outcome: 'ignored' }, 'stripe event of an unhandled type');
        return answer(200, 'ignored', { received: true, ignored: true });
      }
      const envelope = toEnvelope(event);
      const problem = envelopeProblem(envelope);
      if (!problem) {
        const redundant = redundantEventReason(envelope);
        if (redundant) {
          metrics.ignored.inc({ type });
          log.info({ outcome: 'redundant', reason: redundant }, 'stripe event acknowledged, no run needed');
          return answer(200, 'redundant', { received: true, ignored: true, reason: redundant });
        }
      }
      // Stripe would redeliver a refused event for three days; one that cannot be processed is parked for a person instead.
      const [workflowType, start] = problem
        ? (['unusableStripeEvent', unusableEventStart(envelope, problem)] as const)
        : (['stripeEventIntake', intakeStart(event)] as const);
      const { workflowId } = start;
      const started = problem ? 'parked' : 'started';
      try {
        await deps.temporal.withDeadline(Date.now() + temporalDeadlineMs, () =>
          deps.temporal.workflow.start(workflowType, { ...start, taskQueue: deps.taskQueue }),
        );
        metrics.intakeStarted.inc({ type });
        if (problem) log.warn({ outcome: started, workflowId, problem }, 'stripe event parked: it cannot be processed');
        else log.info({ outcome: started, workflowId }, 'stripe event accepted');
        answer(200, started, { received: true, workflowId, duplicate: false, ...(problem ? { parked: true } : {}) });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          metrics.intakeDuplicates.inc({ type });
          log.info({ outcome: 'duplicate', workflowId }, 'stripe event already accepted');
          answer(200, 'duplicate', { received: true, workflowId, duplicate: true });
        } else if (isTemporalUnavailable(err)) {
          metrics.temporalErrors.inc({ kind: 'unavailable' });
          log.error(
            { outcome: 'temporal_unavailable', err: (err as Error).message },
            'stripe event not accepted: Temporal unreachable',
          );
          answer(503, 'temporal_unavailable', { error: 'temporarily unavailable, retry later' });
        } else {
          metrics.temporalErrors.inc({ kind: 'other' });
          log.error({ outcome: 'error', err: (err as Error).message }, 'stripe event not accepted');
          answer(500, 'error', { error: 'internal error' });
        }
      }
    },
  );
  return router;
}
