import express, { Router, type Request, type Response } from 'express';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { orderWorkflowId } from '../../domain/eventRouting';
import type { Logger } from '../../config/logger';
import type { ApiMetrics } from '../metrics';
import { isTemporalUnavailable } from '../temporalErrors';
import { webhookBodyLimitBytes } from './stripeWebhook';

const shippedSchema = z.object({
  type: z.literal('order.shipped'),
  data: z.object({
    order_id: z.number().int().optional(),
    reference_id: z.string().regex(/^[A-Za-z0-9_-]{1,50}$/),
    shipped_at: z.string().optional(),
    tracking: z.object({
      carrier: z.string().optional(),
      tracking_number: z.string().min(1),
      tracking_url: z.string().optional(),
    }),
  }),
});

export interface WmsWebhookDeps {
  temporal: Client;
  webhookSecret?: string;
  log: Logger;
  metrics: ApiMetrics;
}

/** `POST /webhooks/wms`: a ShipBob `order.shipped` webhook, Standard Webhooks signature, becomes the order's `shipment` signal. */
export function wmsWebhookRoutes(deps: WmsWebhookDeps): Router {
  const router = Router();
  const verifier = deps.webhookSecret ? new Webhook(deps.webhookSecret) : undefined;
  router.post(
    '/webhooks/wms',
    express.raw({ type: () => true, limit: webhookBodyLimitBytes }),
    async (req: Request, res: Response) => {
      const answer = (status: number, outcome: string, body: object) => {
        deps.metrics.webhookRequests.inc({ source: 'wms', outcome });
        res.status(status).json(body);
      };
      if (!verifier) return answer(503, 'not_configured', { error: 'WMS_WEBHOOK_SECRET is not configured' });
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      let payload: unknown;
      try {
        payload = verifier.verify(raw, {
          'webhook-id': req.header('webhook-id') ?? '',
          'webhook-timestamp': req.header('webhook-timestamp') ?? '',
          'webhook-signature': req.header('webhook-signature') ?? '',
        });
      } catch (err) {
        const reason = err instanceof WebhookVerificationError ? err.message : 'malformed JSON';
        deps.log.warn({ outcome: 'bad_signature', reason }, 'wms webhook refused');
        return answer(400, 'bad_signature', { error: reason });
      }
      const type = (payload as { type?: unknown })?.type;
      if (type !== 'order.shipped') return answer(200, 'ignored', { received: true, ignored: true });
      const parsed = shippedSchema.safeParse(payload);
      if (!parsed.success) {
        deps.log.warn(
          { outcome: 'invalid', issues: parsed.error.issues.map((i) => i.path.join('.')) },
          'wms webhook refused',
        );
        return answer(400, 'invalid', {
          error: `invalid order.shipped payload: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
        });
      }
      const { data } = parsed.data;
      const workflowId = orderWorkflowId(data.reference_id);
      const log = deps.log.child({ webhookId: req.header('webhook-id'), workflowId });
      try {
        await deps.temporal.workflow.getHandle(workflowId).signal('shipment', {
          trackingNumber: data.tracking.tracking_number,
          carrier: data.tracking.carrier,
          trackingUrl: data.tracking.tracking_url,
          wmsOrderId: data.order_id,
          shippedAt: data.shipped_at,
        });
        log.info({ outcome: 'signalled' }, 'shipment delivered to the order');
        answer(200, 'signalled', { received: true, workflowId, delivered: true });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          log.warn({ outcome: 'no_order_workflow' }, 'shipment for an order with no running workflow');
          answer(200, 'no_order_workflow', {
            received: true,
            workflowId,
            delivered: false,
            reason: 'no running order workflow',
          });
        } else if (isTemporalUnavailable(err)) {
          deps.metrics.temporalErrors.inc({ kind: 'unavailable' });
          answer(503, 'temporal_unavailable', { error: 'temporarily unavailable, retry later' });
        } else {
          log.error({ outcome: 'error', err: (err as Error).message }, 'shipment not delivered');
          answer(500, 'error', { error: 'internal error' });
        }
      }
    },
  );
  return router;
}
