import express, { Router, type Request, type Response } from 'express';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { orderWorkflowId, wmsWebhookIdPattern, wmsWorkflowId } from '../../domain/eventRouting';
import { intakeStartPolicy } from '../../domain/stripeEvents';
import type { ShipmentNotice } from '../../messages/order';
import type { WmsShipmentInput } from '../../workflows/wmsShipmentIntake';
import { commaList } from '../../config/env';
import type { Logger } from '../../config/logger';
import type { ApiMetrics } from '../metrics';
import { isTemporalUnavailable } from '../temporalErrors';
import { webhookBodyLimitBytes } from './stripeWebhook';

/** The warehouse wants a quick answer: past this, give up on Temporal and answer 503 so it delivers again. */
const temporalDeadlineMs = 5_000;

const text = z.string().max(2_000);
const shippedSchema = z.object({
  type: z.literal('order.shipped'),
  data: z.object({
    order_id: z.number().int().optional(),
    reference_id: z.string().regex(/^[A-Za-z0-9_-]{1,50}$/),
    shipped_at: text.optional(),
    tracking: z.object({
      carrier: text.optional(),
      tracking_number: text.min(1),
      tracking_url: text.optional(),
    }),
  }),
});

export interface WmsWebhookDeps {
  temporal: Client;
  taskQueue: string;
  /** Signing secrets, comma-separated, the current one first; a signature made with any of them verifies (rotation). */
  webhookSecret?: string;
  log: Logger;
  metrics: ApiMetrics;
}

type Verified = { ok: true; payload: unknown } | { ok: false; reason: string };

function verify(verifiers: readonly Webhook[], raw: string, headers: Record<string, string>): Verified {
  let reason = 'No matching signature found';
  for (const verifier of verifiers) {
    try {
      return { ok: true, payload: verifier.verify(raw, headers) };
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) return { ok: false, reason: 'malformed JSON' };
      reason = err.message;
      // Missing headers or a timestamp out of tolerance: no other secret changes that.
      if (!/no matching signature/i.test(reason)) break;
    }
  }
  return { ok: false, reason };
}

export const wmsWebhookSecrets = commaList;

/**
 * `POST /webhooks/wms`: a ShipBob `order.shipped` webhook, Standard Webhooks signature, becomes the run `wms:<webhook-id>`,
 * which gives the order's run its `shipment` signal. Temporal refuses a second start of the same message, so a replay
 * or a redelivery adds nothing, whichever API process receives it.
 */
export function wmsWebhookRoutes(deps: WmsWebhookDeps): Router {
  const router = Router();
  const verifiers = wmsWebhookSecrets(deps.webhookSecret).map((secret) => new Webhook(secret));
  router.post(
    '/webhooks/wms',
    express.raw({ type: () => true, limit: webhookBodyLimitBytes }),
    async (req: Request, res: Response) => {
      const answer = (status: number, outcome: string, body: object) => {
        deps.metrics.webhookRequests.inc({ source: 'wms', outcome });
        res.status(status).json(body);
      };
      if (verifiers.length === 0)
        return answer(503, 'not_configured', { error: 'WMS_WEBHOOK_SECRET is not configured' });
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const webhookId = req.header('webhook-id') ?? '';
      const verified = verify(verifiers, raw, {
        'webhook-id': webhookId,
        'webhook-timestamp': req.header('webhook-timestamp') ?? '',
        'webhook-signature': req.header('webhook-signature') ?? '',
      });
      if (!verified.ok) {
        deps.log.warn({ outcome: 'bad_signature', reason: verified.reason }, 'wms webhook refused');
        return answer(400, 'bad_signature', { error: verified.reason });
      }
      const { payload } = verified;
      const type = (payload as { type?: unknown })?.type;
      if (type !== 'order.shipped') return answer(200, 'ignored', { received: true, ignored: true });
      const parsed = shippedSchema.safeParse(payload);
      if (!parsed.success || !wmsWebhookIdPattern.test(webhookId)) {
        const issues = parsed.success ? ['webhook-id'] : parsed.error.issues.map((i) => i.path.join('.'));
        deps.log.warn({ outcome: 'invalid', issues }, 'wms webhook refused');
        return answer(400, 'invalid', { error: `invalid order.shipped payload: ${issues.join(', ')}` });
      }
      const { data } = parsed.data;
      const workflowId = orderWorkflowId(data.reference_id);
      const intakeWorkflowId = wmsWorkflowId(webhookId);
      const log = deps.log.child({ webhookId, workflowId });
      const notice: ShipmentNotice = {
        trackingNumber: data.tracking.tracking_number,
        carrier: data.tracking.carrier,
        trackingUrl: data.tracking.tracking_url,
        wmsOrderId: data.order_id,
        shippedAt: data.shipped_at,
      };
      const input: WmsShipmentInput = { webhookId, incrementId: data.reference_id, notice };
      try {
        await deps.temporal.withDeadline(Date.now() + temporalDeadlineMs, async () => {
          const { status } = await deps.temporal.workflow.getHandle(workflowId).describe();
          if (status.name !== 'RUNNING')
            throw new WorkflowNotFoundError('the order run has ended', workflowId, undefined);
          await deps.temporal.workflow.start('wmsShipmentIntake', {
            workflowId: intakeWorkflowId,
            taskQueue: deps.taskQueue,
            args: [input],
            ...intakeStartPolicy,
          });
        });
        log.info({ outcome: 'accepted', intakeWorkflowId }, 'shipment accepted for the order');
        answer(200, 'accepted', { received: true, workflowId, intakeWorkflowId, delivered: true, duplicate: false });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          log.info({ outcome: 'duplicate', intakeWorkflowId }, 'wms webhook already accepted');
          answer(200, 'duplicate', { received: true, workflowId, intakeWorkflowId, delivered: false, duplicate: true });
        } else if (err instanceof WorkflowNotFoundError) {
          log.warn({ outcome: 'no_order_workflow' }, 'shipment for an order with no running workflow');
          answer(200, 'no_order_workflow', {
            received: true,
            workflowId,
            delivered: false,
            reason: 'no running order workflow',
          });
        } else if (isTemporalUnavailable(err)) {
          deps.metrics.temporalErrors.inc({ kind: 'unavailable' });
          log.error({ outcome: 'temporal_unavailable', err: (err as Error).message }, 'shipment not accepted');
          answer(503, 'temporal_unavailable', { error: 'temporarily unavailable, retry later' });
        } else {
          log.error({ outcome: 'error', err: (err as Error).message }, 'shipment not accepted');
          answer(500, 'error', { error: 'internal error' });
        }
      }
    },
  );
  return router;
}
