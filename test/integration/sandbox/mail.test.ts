import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { createTransport } from 'nodemailer';
import { startMailSink, type MailSink } from '../../harness/mailSink';
import { thrown } from '../../harness/thrown';

/** A plain nodemailer client, not the product's Mailer: the sink must understand what any SMTP client sends. */
function transportTo(smtpUrl: string, auth?: { user: string; pass: string }) {
  return createTransport({
    url: smtpUrl,
    auth,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 5_000,
  });
}

interface SmtpError {
  responseCode?: number;
}

describe('sandbox mail sink', () => {
  let sink: MailSink;
  beforeAll(async () => {
    sink = await startMailSink();
  });
  afterAll(async () => sink.close());
  beforeEach(async () => {
    await axios.post(`${sink.url}/__sandbox/reset`);
  });

  it('records what nodemailer sends: envelope recipients, sender, subject, plain text, Message-ID and X-O2C-Key', async () => {
    const info = await transportTo(sink.smtpUrl).sendMail({
      from: 'Orders <orders@shop.example>',
      to: 'ann@example.com',
      cc: 'bob@example.com',
      subject: 'Order 100 is on hold',
      text: 'Line one.\nLine two.',
      messageId: '<abc@o2c.local>',
      headers: { 'X-O2C-Key': 'fraud_hold:100' },
    });
    expect(info.accepted).toEqual(['ann@example.com', 'bob@example.com']);

    const [mail, ...rest] = await sink.messages();
    expect(rest).toHaveLength(0);
    expect(mail).toMatchObject({
      messageId: '<abc@o2c.local>',
      key: 'fraud_hold:100',
      from: '"Orders" <orders@shop.example>',
      to: ['ann@example.com', 'bob@example.com'],
      subject: 'Order 100 is on hold',
      text: 'Line one.\nLine two.\n',
    });
    expect(Date.parse(mail!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lists oldest first and filters by recipient (any case) and by key', async () => {
    const transport = transportTo(sink.smtpUrl);
    const send = (to: string, key: string) =>
      transport.sendMail({ from: 'o@shop.example', to, subject: key, text: key, headers: { 'X-O2C-Key': key } });
    await send('ann@example.com', 'k1');
    await send('bob@example.com', 'k2');
    await send('ann@example.com', 'k3');

    expect((await sink.messages()).map((m) => m.key)).toEqual(['k1', 'k2', 'k3']);
    expect((await sink.messages({ to: 'ANN@example.com' })).map((m) => m.key)).toEqual(['k1', 'k3']);
    expect((await sink.messages({ key: 'k2' })).map((m) => m.to)).toEqual([['bob@example.com']]);
    expect(await sink.messages({ to: 'ann@example.com', key: 'k2' })).toEqual([]);
  });

  it('forgets every message on reset', async () => {
    await transportTo(sink.smtpUrl).sendMail({
      from: 'o@shop.example',
      to: 'ann@example.com',
      subject: 's',
      text: 't',
    });
    expect(await sink.messages()).toHaveLength(1);
    await axios.post(`${sink.url}/__sandbox/reset`);
    expect(await sink.messages()).toEqual([]);
  });

  it('answers 421 during an outage, so the client fails with a transient error, and records nothing until it ends', async () => {
    await axios.put(`${sink.url}/__sandbox/faults`, { outage: true });
    const err = await thrown(
      transportTo(sink.smtpUrl).sendMail({ from: 'o@shop.example', to: 'ann@example.com', subject: 's', text: 't' }),
    );
    expect((err as SmtpError).responseCode).toBe(421);
    expect(await sink.messages()).toEqual([]);
    const requests = (await axios.get<Array<{ method: string; status: number }>>(`${sink.url}/__sandbox/requests`))
      .data;
    expect(requests).toEqual([expect.objectContaining({ method: 'SMTP', status: 421 })]);

    await axios.put(`${sink.url}/__sandbox/faults`, { outage: false });
    await transportTo(sink.smtpUrl).sendMail({
      from: 'o@shop.example',
      to: 'ann@example.com',
      subject: 's',
      text: 't',
    });
    expect(await sink.messages()).toHaveLength(1);
  });

  it('refuses a message over 1 MB with 552 and an .invalid recipient with 550', async () => {
    const big = await thrown(
      transportTo(sink.smtpUrl).sendMail({
        from: 'o@shop.example',
        to: 'ann@example.com',
        subject: 'big',
        text: 'x'.repeat(1_100_000),
      }),
    );
    expect((big as SmtpError).responseCode).toBe(552);
    const unknown = await thrown(
      transportTo(sink.smtpUrl).sendMail({
        from: 'o@shop.example',
        to: 'nobody@shop.invalid',
        subject: 's',
        text: 't',
      }),
    );
    expect((unknown as SmtpError).responseCode).toBe(550);
    expect(await sink.messages()).toEqual([]);
  });
});

describe('sandbox mail sink with credentials and a data file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'o2c-mail-'));
  const dataFile = join(dir, 'mail.json');
  const auth = { user: 'mailer', pass: 'sink-password-1' };
  let sink: MailSink;
  beforeAll(async () => {
    sink = await startMailSink({ auth, dataFile });
  });
  afterAll(async () => {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts only the configured credentials and keeps what it recorded across a restart', async () => {
    const refused = await thrown(
      transportTo(sink.smtpUrl, { user: 'mailer', pass: 'wrong' }).sendMail({
        from: 'o@shop.example',
        to: 'a@example.com',
        subject: 's',
        text: 't',
      }),
    );
    expect((refused as SmtpError).responseCode).toBe(535);
    await transportTo(sink.smtpUrl, auth).sendMail({
      from: 'o@shop.example',
      to: 'a@example.com',
      subject: 'kept',
      text: 't',
    });
    sink.sandbox.store.flush();
    expect(readFileSync(dataFile, 'utf8')).not.toContain(auth.pass);

    const again = await startMailSink({ dataFile });
    try {
      expect((await again.messages()).map((m) => m.subject)).toEqual(['kept']);
    } finally {
      await again.close();
    }
  });
});
