import type { Notification, NotificationOutbox } from './outbox';

/** Customer and merchant notices; each is sent once per key, however often the activity runs. */
export function createNotifyActivities(outbox: NotificationOutbox) {
  return {
    async notifyCustomer(input: Omit<Notification, 'audience'>): Promise<{ sent: boolean }> {
      return outbox.send({ ...input, audience: 'customer' });
    },
    async notifyMerchant(input: Omit<Notification, 'audience'>): Promise<{ sent: boolean }> {
      return outbox.send({ ...input, audience: 'merchant' });
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
