import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import axios from 'axios';
import { createNotifyActivities, type NotifyActivities } from '../../../activities/notify/activities';
import { InvalidRecipient, Mailer, MailDeferred, MailRejected, messageIdFor } from '../../../integrations/mail/mailer';
import { toFailure } from '../../../worker/failureMapping';
import { knownTemplates, renderNotice } from '../../../activities/notify/templates';
import { startMailSink, type MailSink } from '../../harness/mailSink';
import { thrown } from '../../harness/thrown';

const merchantEmail = 'merchant@shop.example';

describe('notify activities over SMTP to the sandbox mail sink', () => {
  let sink: MailSink;
  let mailer: Mailer;
  let notify: NotifyActivities;
  beforeAll(async () => {
    sink = await startMailSink();
    mailer = new Mailer({
      smtpUrl: sink.smtpUrl,
      from: 'Orders <orders@shop.example>',
      merchantEmail,
      timeoutMs: 3_000,
    });
    notify = createNotifyActivities(mailer);
  });
  afterAll(async () => {
    mailer.close();
    await sink.close();
  });
  beforeEach(async () => {
    await axios.post(`${sink.url}/__sandbox/reset`);
  });

  it('sends the customer one message rendered from the template, named by its key', async () => {
    const result = await notify.notifyCustomer({
      key: 'payment_failed:000000042',
      template: 'payment_failed',
      orderId: '000000042',
      to: 'ann@example.com',
      subject: 'Your payment for order 000000042 did not go through',
      detail: 'insufficient_funds',
    });

    const expectedId = `<${createHash('sha256').update('payment_failed:000000042').digest('hex')}@o2c.local>`;
    expect(result).toEqual({ sent: true, messageId: expectedId });
    expect(await sink.messages()).toEqual([
      expect.objectContaining({
        messageId: expectedId,
        key: 'payment_failed:000000042',
        from: '"Orders" <orders@shop.example>',
        to: ['ann@example.com'],
        subject: 'Your payment for order 000000042 did not go through',
      }),
    ]);
    const [mail] = await sink.messages();
    expect(mail!.text).toContain(
      'We could not take the payment for your order 000000042 (the bank said: insufficient funds)',
    );
  });

  describe('a recipient that is not exactly one address', () => {
    const notice = (to: string) => ({
      key: `order_confirmed:${to.length}`,
      template: 'payment_failed',
      orderId: '000000043',
      to,
      subject: 'Your order 000000043',
    });

    it.each([
      ['two addresses', 'ann@example.com, evil@attacker.example', /separator/],
      ['two addresses with ;', 'ann@example.com; evil@attacker.example', /separator/],
      ['a display name', 'Ann <evil@attacker.example>', /angle brackets/],
      ['a group', 'friends: ann@example.com, evil@attacker.example;', /separator/],
      ['a header after a line break', 'ann@example.com\r\nBcc: evil@attacker.example', /line break/],
      ['no domain', 'ann@', /not an e-mail address/],
    ])('sends nothing to %s, and parks as bad data without the address', async (_, to, problem) => {
      const err = await thrown(notify.notifyCustomer(notice(to)));
      expect(err).toBeInstanceOf(InvalidRecipient);
      expect((err as Error).message).toMatch(problem);
      expect((err as Error).message).not.toMatch(/example|attacker/);
      expect(toFailure(err)).toMatchObject({ type: 'BadData', nonRetryable: true });
      expect(await sink.messages()).toEqual([]);
    });

    it('still sends to an address in RFC 5322 form nodemailer takes as it is', async () => {
      await notify.notifyCustomer(notice('ann.o+orders@mail.example.com'));
      expect((await sink.messages()).map((m) => m.to)).toEqual([['ann.o+orders@mail.example.com']]);
    });
  });

  it('sends merchant notices to each of several MERCHANT_EMAIL addresses, and refuses a list with a display name', async () => {
    const several = new Mailer({
      smtpUrl: sink.smtpUrl,
      from: 'Orders <orders@shop.example>',
      merchantEmail: 'owner@shop.example, ops@shop.example',
      timeoutMs: 3_000,
    });
    try {
      await createNotifyActivities(several).notifyMerchant({
        key: 'fraud_hold:8',
        template: 'fraud_hold',
        orderId: '8',
        subject: 'Order 8 is held for fraud review',
      });
      expect((await sink.messages()).map((m) => m.to)).toEqual([['owner@shop.example', 'ops@shop.example']]);
    } finally {
      several.close();
    }
    expect(
      () => new Mailer({ smtpUrl: sink.smtpUrl, from: 'o@shop.example', merchantEmail: 'a@shop.example, B <b@x.io>' }),
    ).toThrow(/MERCHANT_EMAIL: address 2: it has angle brackets/);
  });

  it('sends merchant notices to MERCHANT_EMAIL, with the reasons in the body', async () => {
    await notify.notifyMerchant({
      key: 'fraud_hold:7',
      template: 'fraud_hold',
      orderId: '7',
      subject: 'Order 7 is held for fraud review',
      detail: 'Radar risk score 82; billing and shipping countries differ',
    });
    const [mail, ...rest] = await sink.messages({ to: merchantEmail });
    expect(rest).toEqual([]);
    expect(mail!.key).toBe('fraud_hold:7');
    expect(mail!.text).toContain(
      'Order 7 is on hold for a fraud review (Radar risk score 82; billing and shipping countries differ)',
    );
    expect(mail!.text).toContain('npm run ops -- fraud approve 7');
  });

  it('does not treat a customer with no e-mail address as an error, and sends nothing', async () => {
    await expect(
      notify.notifyCustomer({ key: 'payment_failed:8', template: 'payment_failed', orderId: '8', subject: 's' }),
    ).resolves.toEqual({ sent: false, reason: 'no recipient' });
    await expect(
      notify.notifyCustomer({
        key: 'payment_failed:8',
        template: 'payment_failed',
        orderId: '8',
        to: '  ',
        subject: 's',
      }),
    ).resolves.toEqual({ sent: false, reason: 'no recipient' });
    expect(await sink.messages()).toEqual([]);
  });

  it('gives a second send of the same key the same Message-ID, so a duplicate is recognisable downstream', async () => {
    const input = {
      key: 'compensated:9',
      template: 'order_compensated',
      orderId: '9',
      subject: 'Order 9 was reversed',
      detail: 'fraud review rejected',
    };
    const first = await notify.notifyMerchant(input);
    const second = await notify.notifyMerchant(input);
    const other = await notify.notifyMerchant({ ...input, key: 'compensated:10' });
    expect(first).toEqual(second);
    expect(other).not.toEqual(first);
    expect((await sink.messages({ key: 'compensated:9' })).map((m) => m.messageId)).toEqual([
      messageIdFor('compensated:9'),
      messageIdFor('compensated:9'),
    ]);
  });

  it('throws a retryable MailDeferred during an outage (421) and sends once it ends', async () => {
    await axios.put(`${sink.url}/__sandbox/faults`, { outage: true });
    const input = {
      key: 'shipment_reminder:11:3',
      template: 'shipment_reminder',
      orderId: '11',
      subject: 'Order 11 has not shipped after 3 days',
    };
    const err = await thrown(notify.notifyMerchant(input));
    expect(err).toBeInstanceOf(MailDeferred);
    expect(err).toMatchObject({ name: 'MailDeferred', responseCode: 421 });

    await axios.put(`${sink.url}/__sandbox/faults`, { outage: false });
    await expect(notify.notifyMerchant(input)).resolves.toMatchObject({ sent: true });
    expect(await sink.messages({ key: input.key })).toHaveLength(1);
  });

  it('throws MailRejected with the SMTP code for a recipient the server refuses, without the address in the message', async () => {
    const err = await thrown(
      notify.notifyCustomer({
        key: 'payment_failed:12',
        template: 'payment_failed',
        orderId: '12',
        to: 'gone@shop.invalid',
        subject: 's',
      }),
    );
    expect(err).toBeInstanceOf(MailRejected);
    expect(err).toMatchObject({ name: 'MailRejected', responseCode: 550, kind: 'bad_data' });
    expect((err as Error).message).not.toContain('gone@shop.invalid');
  });
});

describe('Mailer without a server', () => {
  it('throws a retryable MailDeferred when the connection is refused, and names no credentials', async () => {
    const port = await closedPort();
    const mailer = new Mailer({
      smtpUrl: `smtp://user:hunter2-secret@127.0.0.1:${port}`,
      from: 'o@shop.example',
      merchantEmail,
      timeoutMs: 2_000,
    });
    try {
      const err = await thrown(mailer.send({ key: 'k', to: 'a@example.com', subject: 's', text: 't' }));
      expect(err).toBeInstanceOf(MailDeferred);
      expect((err as Error).message).toMatch(/ECONNECTION|ECONNREFUSED|ESOCKET/);
      expect((err as Error).message).not.toContain('hunter2-secret');
    } finally {
      mailer.close();
    }
  });
});

describe('Mailer against a sink that requires a login', () => {
  it('throws MailRejected of kind misconfigured for refused credentials, without them in the message', async () => {
    const sink = await startMailSink({ auth: { user: 'mailer', pass: 'right-password' } });
    const port = new URL(sink.smtpUrl).port;
    const wrong = new Mailer({
      smtpUrl: `smtp://mailer:wrong-password@127.0.0.1:${port}`,
      from: 'o@shop.example',
      merchantEmail,
      timeoutMs: 2_000,
    });
    const right = new Mailer({
      smtpUrl: `smtp://mailer:right-password@127.0.0.1:${port}`,
      from: 'o@shop.example',
      merchantEmail,
      timeoutMs: 2_000,
    });
    try {
      const err = await thrown(wrong.send({ key: 'k1', to: 'a@example.com', subject: 's', text: 't' }));
      expect(err).toMatchObject({ name: 'MailRejected', responseCode: 535, kind: 'misconfigured' });
      expect((err as Error).message).not.toContain('wrong-password');
      await expect(right.send({ key: 'k2', to: 'a@example.com', subject: 's', text: 't' })).resolves.toEqual({
        messageId: messageIdFor('k2'),
      });
      expect((await sink.messages()).map((m) => m.key)).toEqual(['k2']);
    } finally {
      wrong.close();
      right.close();
      await sink.close();
    }
  });
});

describe('notice templates', () => {
  it("renders a sentence naming the order for every template the workflows use (a subscriber's notices name no order)", () => {
    // A subscriber's notices and the stock notice name no order.
    const subscriberTemplates = ['renewal_payment_failed', 'trial_will_end', 'low_stock'];
    expect([...knownTemplates].sort()).toEqual([
      'dispute_evidence_due',
      'dispute_opened',
      'fraud_hold',
      'fraud_warning_after_shipment',
      'low_stock',
      'order_compensated',
      'payment_failed',
      'renewal_payment_failed',
      'shipment_escalation',
      'shipment_exception',
      'shipment_on_hold',
      'shipment_reminder',
      'trial_will_end',
    ]);
    for (const template of knownTemplates) {
      const text = renderNotice({ template, orderId: '000000077', subject: 'Subject line', detail: 'the detail' });
      if (!subscriberTemplates.includes(template)) expect(text).toContain('000000077');
      expect(text).toContain('the detail');
      expect(text).not.toContain('Subject line');
    }
  });

  it('falls back to a generic body with the subject and detail for an unknown template', () => {
    expect(
      renderNotice({ template: 'something_new', orderId: '5', subject: 'Something happened', detail: 'details here' }),
    ).toBe('Something happened\nOrder: 5\nDetail: details here\n');
    expect(renderNotice({ template: 'constructor', subject: 'Inherited names are not templates' })).toBe(
      'Inherited names are not templates\n',
    );
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
