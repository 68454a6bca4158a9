/** One message as the sink received it: envelope recipients, the product's key header, and the plain-text body. */
export interface RecordedMail {
  at: string;
  messageId: string | null;
  /** The `X-O2C-Key` header: the notice's idempotency key. */
  key: string | null;
  from: string;
  to: string[];
  subject: string;
  text: string;
}

export interface MailState {
  messages: RecordedMail[];
}

/** The most messages kept; the oldest go first. */
export const mailCapacity = 10_000;

export const initialMailState = (): MailState => ({ messages: [] });

export interface MailFilter {
  to?: string;
  key?: string;
}

/** Recorded messages, oldest first; `to` matches any envelope recipient (case-insensitive), `key` exactly. */
export function selectMail(messages: readonly RecordedMail[], filter: MailFilter): RecordedMail[] {
  const to = filter.to?.toLowerCase();
  return messages.filter(
    (m) =>
      (to === undefined || m.to.some((r) => r.toLowerCase() === to)) &&
      (filter.key === undefined || m.key === filter.key),
  );
}
