import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporalEnvSchema } from '../../config/env';
import { dataConverterFrom } from '../../config/payloadCodec';
import { createWorker } from '../../worker/worker';
import { devServerAddress, uniqueTaskQueue } from '../harness/temporal';

describe('with PAYLOAD_ENCRYPTION_KEY set', () => {
  it('runs workflows as usual while Temporal stores only ciphertext', async () => {
    const taskQueue = uniqueTaskQueue('encrypted');
    const env = temporalEnvSchema.parse({
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    const encrypted = new Client({ connection, dataConverter: dataConverterFrom(env) });
    const plain = new Client({ connection });
    const { worker } = await createWorker({ env, activities: {} });
    try {
      // A payment for a Stripe invoice is not ours: the intake run finishes without calling any activity.
      const event = {
        id: `evt_enc${Date.now()}`,
        type: 'payment_intent.succeeded',
        created: 0,
        livemode: false,
        objectId: 'pi_enc',
        object: { id: 'pi_enc', invoice: 'in_1', receipt_email: 'ada@example.com', metadata: {} },
      };
      const result = await worker.runUntil(
        encrypted.workflow.execute('stripeEventIntake', { workflowId: `stripe:${event.id}`, taskQueue, args: [event] }),
      );
      expect(result).toMatchObject({ outcome: 'not_for_us' });

      const history = await plain.workflow.getHandle(`stripe:${event.id}`).fetchHistory();
      const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      expect(Buffer.from(input!.metadata!.encoding!).toString()).toBe('binary/encrypted');
      expect(Buffer.from(input!.data!).toString('latin1')).not.toContain('ada@example.com');
      expect(() => defaultPayloadConverter.fromPayload(input!)).toThrow();
    } finally {
      await connection.close();
    }
  });
});
