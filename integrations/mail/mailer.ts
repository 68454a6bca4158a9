import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { FailureKind } from '../../domain/failures';
import { InvalidRecipient, recipientList, recipientProblem } from './recipients';

export { InvalidRecipient } from './recipients';

export interface MailerOptions {
  /** `smtp://host:port` or `smtps://user:pass@host:port`; never logged. */
  smtpUrl: string;
  /** Sender, e.g. `Orders <orders@shop.example>`. */
  from: string;
  /** Where merchant notices go: one address, or several comma-separated (MERCHANT_EMAIL). */
  merchantEmail: string;
  /** Connection, greeting and socket timeouts (default 10 s). */
  timeoutMs?: number;
}

export interface MailMessage {
  /** The notice's idempotency key: it names the message (`Message-ID`) and rides along in `X-O2C-Key`. */
  key: string;
  /** Each one bare address (`recipientProblem`); a string is never read as a list. */
  to: string | string[];
  subject: string;
  text: string;
}

/** The server refused the message for good (a 5xx reply, e.g. an unknown recipient): sending it again cannot help. */
export class MailRejected extends Error {
  override name = 'MailRejected';
  /** A refused login (530, 534, 535, 538) is our set-up; any other refusal is about this message or its recipient. */
  readonly kind: Extract<FailureKind, 'misconfigured' | 'bad_data'>;
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
    this.kind = [530, 534, 535, 538].includes(responseCode) ? 'misconfigured' : 'bad_data';
  }
}

/** The message did not go out this time (no connection, a timeout, a 4xx reply): worth another attempt. */
export class MailDeferred extends Error {
  override name = 'MailDeferred';
  constructor(
    message: string,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

/** The same key always gives the same `Message-ID`, so a duplicate is recognisable downstream. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex')}@o2c.local>`;
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  permanent?: boolean;
  message?: string;
}

// Server replies quote addresses back ("<ann@example.com>: mailbox unavailable"); failures are stored in history.
const withoutAddresses = (text: string): string => text.replace(/<?[^\s<>@"]+@[^\s<>"]+>?/g, '[address]');

/** A failure without personal data or credentials, classified: 5xx replies are permanent, the rest transient. */
export function classifySmtpFailure(err: unknown): MailRejected | MailDeferred {
  const failure = (err ?? {}) as SmtpFailure;
  const reason = withoutAddresses(String(failure.message ?? err)).slice(0, 300);
  const code = typeof failure.responseCode === 'number' ? failure.responseCode : undefined;
  const permanent = failure.permanent ?? (code !== undefined && code >= 500 && code !== 503);
  if (code !== undefined && permanent)
    return new MailRejected(code, `SMTP server refused the message (${code}): ${reason}`);
  return new MailDeferred(`SMTP send failed (${code ?? failure.code ?? 'error'}): ${reason}`, code);
}

/** Plain-text mail over a pooled SMTP connection. */
export class Mailer {
  /** MERCHANT_EMAIL's addresses, each checked when the mailer is made. */
  readonly merchantEmails: string[];
  private readonly transport;

  constructor(options: MailerOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    const merchant = recipientList(options.merchantEmail);
    if (merchant.problem) throw new Error(`MERCHANT_EMAIL: ${merchant.problem}`);
    this.merchantEmails = merchant.addresses;
    this.transport = createTransport(
      {
        pool: true,
        url: options.smtpUrl,
        maxConnections: 2,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        logger: false,
        debug: false,
      },
      { from: options.from },
    );
  }

  /**
   * Sends one message; throws `InvalidRecipient` (before sending: a recipient is not one address), `MailRejected`
   * (permanent) or `MailDeferred` (retry) when it does not go out.
   */
  async send(message: MailMessage): Promise<{ messageId: string }> {
    const messageId = messageIdFor(message.key);
    const to = (Array.isArray(message.to) ? message.to : [message.to]).map((a) => a.trim());
    if (to.length === 0) throw new InvalidRecipient('no address given');
    for (const address of to) {
      const problem = recipientProblem(address);
      if (problem) throw new InvalidRecipient(problem);
    }
    try {
      await this.transport.sendMail({
        // As objects, so nodemailer takes each as the one address it is instead of parsing it as a list.
        to: to.map((address) => ({ name: '', address })),
        subject: message.subject,
        text: message.text,
        messageId,
        headers: { 'X-O2C-Key': message.key },
      });
    } catch (err) {
      throw classifySmtpFailure(err);
    }
    return { messageId };
  }

  close(): void {
    this.transport.close();
  }
}
