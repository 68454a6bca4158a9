import express, { Router, type Request, type Response } from 'express';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { orderWorkflowId, wmsWebhookIdPattern, wmsWorkflowId } from '../../domain/eventRouting';
import { intakeStartPolicy } from '../../domain/stripeEvents';
import type { ShipmentEvent, ShipmentNotice } from '../../messages/order';
import type { WmsShipmentInput } from '../../workflows/wmsShipmentIntake';
import { commaList } from '../../config/env';
import type { Logger } from '../../config/logger';
import type { ApiMetrics } from '../metrics';
import { isTemporalUnavailable } from '../temporalErrors';
import { webhookBodyLimitBytes } from './stripeWebhook';

/** The warehouse wants a quick answer: past this, give up on Temporal and answer 503 so it delivers again. */
const temporalDeadlineMs = 5_000;

const text = z.string().max(2_000);
/** An instant as ShipBob writes it (ISO 8601): it reaches the order's status and its Magento comment. */
const instant = z.iso.datetime({ offset: true });
const referenceId = z.string().regex(/^[A-Za-z0-9_-]{1,50}$/);
const id = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const statusDetails = z
  .array(z.object({ id: id.optional(), name: text.nullish(), description: text.nullish() }))
  .max(50)
  .nullish();
const shippedSchema = z.object({
  type: z.literal('order.shipped'),
  data: z.object({
    order_id: id.optional(),
    reference_id: referenceId,
    shipped_at: text.optional(),
    tracking: z.object({
      carrier: text.optional(),
      tracking_number: text.min(1),
      tracking_url: text.optional(),
    }),
  }),
});

/** ShipBob's topics for a shipment after (or instead of) shipping, and the `shipmentEvent` kind each becomes. */
const eventTopics = {
  'order.shipment.delivered': 'delivered',
  'order.shipment.exception': 'exception',
  'order.shipment.on_hold': 'on_hold',
  'order.shipment.cancelled': 'cancelled',
} as const satisfies Record<string, ShipmentEvent['kind']>;
type EventTopic = keyof typeof eventTopics;
const isEventTopic = (type: unknown): type is EventTopic =>
  typeof type === 'string' && Object.hasOwn(eventTopics, type);

const eventSchema = z.object({
  type: z.enum(Object.keys(eventTopics) as [EventTopic, ...EventTopic[]]),
  timestamp: instant.optional(),
  data: z.object({
    order_id: id.optional(),
    reference_id: referenceId,
    shipment_id: id.optional(),
    status: text.optional(),
    status_details: statusDetails,
    delivered_at: instant.optional(),
  }),
});

/** The warehouse's own words for the event: its first status detail's description, else that detail's name. */
const maxReasonLength = 500;
function reasonOf(details: z.infer<typeof statusDetails>): string | undefined {
  const detail = details?.[0];
  const words = detail?.description || detail?.name;
  return words ? words.slice(0, maxReasonLength) : undefined;
}

function shipmentEventOf(webhookId: string, payload: z.infer<typeof eventSchema>): ShipmentEvent {
  const { data } = payload;
  const kind = eventTopics[payload.type];
  const at = (kind === 'delivered' ? data.delivered_at : undefined) ?? payload.timestamp;
  const reason = kind === 'delivered' ? undefined : reasonOf(data.status_details);
  return {
    kind,
    webhookId,
    ...(data.order_id !== undefined ? { wmsOrderId: data.order_id } : {}),
    ...(data.shipment_id !== undefined ? { shipmentId: data.shipment_id } : {}),
    ...(at ? { at } : {}),
    ...(reason ? { reason } : {}),
  };
}

/** A verified message as the intake run's input, or the fields that are wrong. */
function intakeInput(
  webhookId: string,
  type: 'order.shipped' | EventTopic,
  payload: unknown,
): { ok: true; input: WmsShipmentInput } | { ok: false; issues: string[] } {
  const issuesOf = (error: z.ZodError) => error.issues.map((i) => i.path.join('.'));
  if (type === 'order.shipped') {
    const parsed = shippedSchema.safeParse(payload);
    if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
    const { data } = parsed.data;
    const notice: ShipmentNotice = {
      trackingNumber: data.tracking.tracking_number,
      carrier: data.tracking.carrier,
      trackingUrl: data.tracking.tracking_url,
      wmsOrderId: data.order_id,
      shippedAt: data.shipped_at,
    };
    return { ok: true, input: { webhookId, incrementId: data.reference_id, notice } };
  }
  const parsed = eventSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const event = shipmentEventOf(webhookId, parsed.data);
  return { ok: true, input: { webhookId, incrementId: parsed.data.data.reference_id, event } };
}

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
 * `POST /webhooks/wms`: a ShipBob webhook, Standard Webhooks signature, becomes the run `wms:<webhook-id>`, which gives
 * the order's run its `shipment` signal (`order.shipped`) or its `shipmentEvent` signal (`order.shipment.delivered`,
 * `…exception`, `…on_hold`, `…cancelled`); other topics are acknowledged and ignored. Temporal refuses a second start of the same message, so a replay
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
      if (type !== 'order.shipped' && !isEventTopic(type))
        return answer(200, 'ignored', { received: true, ignored: true });
      const parsed = wmsWebhookIdPattern.test(webhookId)
        ? intakeInput(webhookId, type, payload)
        : { ok: false as const, issues: ['webhook-id'] };
      if (!parsed.ok) {
        deps.log.warn({ outcome: 'invalid', topic: type, issues: parsed.issues }, 'wms webhook refused');
        return answer(400, 'invalid', { error: `invalid ${type} payload: ${parsed.issues.join(', ')}` });
      }
      const { input } = parsed;
      const workflowId = orderWorkflowId(input.incrementId);
      const intakeWorkflowId = wmsWorkflowId(webhookId);
      const log = deps.log.child({ webhookId, workflowId, topic: type });
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
        log.info({ outcome: 'accepted', intakeWorkflowId }, 'shipment news accepted for the order');
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
