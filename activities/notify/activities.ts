import type { Mailer } from '../../integrations/mail/mailer';
import { renderNotice } from './templates';

/** The activities' input, unchanged since the file outbox so running workflows replay. */
export interface NoticeInput {
  key: string;
  template: string;
  orderId?: string;
  to?: string;
  subject: string;
  detail?: string;
}

export type NoticeResult = { sent: true; messageId: string } | { sent: false; reason: 'no recipient' };

/**
 * Customer and merchant notices, one e-mail per call. The workflow sends each key once; the key names the message
 * (`Message-ID`, `X-O2C-Key`) so a duplicate after a retry is recognisable downstream. Nothing is kept here.
 */
export function createNotifyActivities(mailer: Mailer) {
  const send = async (to: string | string[], input: NoticeInput): Promise<NoticeResult> => {
    const { messageId } = await mailer.send({ key: input.key, to, subject: input.subject, text: renderNotice(input) });
    return { sent: true, messageId };
  };
  return {
    async notifyCustomer(input: NoticeInput): Promise<NoticeResult> {
      if (!input.to?.trim()) return { sent: false, reason: 'no recipient' };
      return send(input.to, input);
    },
    async notifyMerchant(input: NoticeInput): Promise<NoticeResult> {
      return send(input.to?.trim() || mailer.merchantEmails, input);
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
