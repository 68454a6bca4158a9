import { timingSafeEqual } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Faults } from '../kit/faults';
import type { RecordedMail } from './state';

export interface SmtpSinkOptions {
  faults(): Faults;
  /** Called once per accepted message, before the client gets its 250. */
  accept(mail: RecordedMail): void;
  /** Every SMTP outcome worth seeing in `GET /__sandbox/requests` (no addresses: they are personal data). */
  outcome(command: string, status: number, details?: Record<string, unknown>): void;
  maxBytes: number;
  /** Require AUTH PLAIN/LOGIN with these credentials; without, anyone may send. */
  auth?: { user: string; pass: string };
  random?: () => number;
}

/** An SMTP reply with its code, as smtp-server sends it back to the client. */
function reply(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Permanently undeliverable recipients: the `.invalid` top-level domain is reserved for exactly that (RFC 2606). */
const undeliverable = (address: string): boolean => /\.invalid$/i.test(address);

/** The SMTP side of the mail sink: accepts any sender and recipient (except `*.invalid`), up to `maxBytes`, and records each message. */
export function createSmtpSink(options: SmtpSinkOptions): SMTPServer {
  const random = options.random ?? Math.random;
  const transientFault = async (command: string): Promise<Error | undefined> => {
    const faults = options.faults();
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const roll = random();
    const fault = faults.outage
      ? reply(421, '4.3.2 Service not available, closing transmission channel')
      : roll < faults.rate429
        ? reply(451, '4.7.1 Too many messages, slow down')
        : roll < faults.rate429 + faults.rate5xx
          ? reply(451, '4.3.0 Local error in processing')
          : undefined;
    if (fault) options.outcome(command, fault.responseCode);
    return fault;
  };

  const onData = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> => {
    const parsed = await simpleParser(stream);
    if (stream.sizeExceeded) {
      options.outcome('DATA', 552);
      throw reply(552, `5.3.4 Message exceeds fixed maximum message size of ${options.maxBytes} bytes`);
    }
    const key = parsed.headers.get('x-o2c-key');
    const mail: RecordedMail = {
      at: new Date().toISOString(),
      messageId: parsed.messageId ?? null,
      key: typeof key === 'string' ? key : null,
      from: parsed.from?.text ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
      to: session.envelope.rcptTo.map((r) => r.address),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
    };
    options.accept(mail);
    options.outcome('DATA', 250, { messageId: mail.messageId, key: mail.key });
  };

  return new SMTPServer({
    name: 'mail.sandbox.local',
    banner: 'o2c sandbox mail sink',
    logger: false,
    // No STARTTLS: smtp-server's built-in certificate is a published test key; the sink is plain SMTP on loopback.
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    size: options.maxBytes,
    rejectOversized: true,
    closeTimeout: 1_000,
    onAuth: (auth, _session, callback) => {
      const ok =
        options.auth !== undefined &&
        sameSecret(auth.username ?? '', options.auth.user) &&
        sameSecret(auth.password ?? '', options.auth.pass);
      options.outcome('AUTH', ok ? 235 : 535);
      callback(
        ok ? null : reply(535, '5.7.8 Authentication credentials invalid'),
        ok ? { user: options.auth!.user } : undefined,
      );
    },
    onConnect: (_session, callback) => void transientFault('CONNECT').then((err) => callback(err)),
    onMailFrom: (_address, _session, callback) => void transientFault('MAIL').then((err) => callback(err)),
    onRcptTo: (address, _session, callback) => {
      if (!undeliverable(address.address)) return callback();
      options.outcome('RCPT', 550);
      callback(reply(550, '5.1.1 Mailbox unavailable'));
    },
    onData: (stream, session, callback) =>
      void onData(stream, session).then(
        () => callback(),
        (err: Error) => callback(err),
      ),
  });
}
