import type { AddressInfo } from 'node:net';
import express from 'express';
import type { SMTPServer } from 'smtp-server';
import { createPeer, type SandboxPeer } from '../kit/peer';
import { Store } from '../kit/store';
import { createSmtpSink } from './smtp';
import { initialMailState, mailCapacity, selectMail, type MailState, type RecordedMail } from './state';

export interface MailSandboxOptions {
  dataFile?: string;
  /** Largest message accepted (default 1 MB); a bigger one is refused with 552. */
  maxBytes?: number;
  /** Require SMTP AUTH with these credentials (default: anyone may send). */
  auth?: { user: string; pass: string };
}

export type MailSandbox = SandboxPeer<MailState> & {
  /** Starts the SMTP side; the HTTP side is `listen()` as for every peer. */
  listenSmtp(port: number, host?: string): Promise<{ server: SMTPServer; port: number; url: string }>;
};

const oneMegabyte = 1024 * 1024;

const queryString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Sandbox mail sink: an SMTP server that records every message the product sends, read back over HTTP with
 * `GET /__sandbox/mail[?to=&key=]`. `PUT /__sandbox/faults {outage: true}` makes the SMTP side answer 421.
 */
export function createMailSandbox(options: MailSandboxOptions = {}): MailSandbox {
  const store = new Store<MailState>(initialMailState, options.dataFile);
  const controls = express.Router();
  controls.get('/mail', (req, res) => {
    res.json(selectMail(store.data.messages, { to: queryString(req.query.to), key: queryString(req.query.key) }));
  });

  const peer = createPeer({ name: 'mail', store, routes: express.Router(), controls });

  const accept = (mail: RecordedMail): void => {
    const messages = store.data.messages;
    messages.push(mail);
    if (messages.length > mailCapacity) messages.splice(0, messages.length - mailCapacity);
    store.changed();
  };
  const outcome = (command: string, status: number, details: Record<string, unknown> = {}): void =>
    peer.requests.record({
      at: new Date().toISOString(),
      method: 'SMTP',
      path: command,
      query: {},
      body: details,
      status,
    });

  return {
    ...peer,
    listenSmtp: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        const server = createSmtpSink({
          faults: peer.faults,
          accept,
          outcome,
          maxBytes: options.maxBytes ?? oneMegabyte,
          auth: options.auth,
        });
        server.once('error', reject);
        server.listen(port, host, () => {
          const actual = (server.server.address() as AddressInfo).port;
          resolve({ server, port: actual, url: `smtp://${host}:${actual}` });
        });
      }),
  };
}

export type { MailState, RecordedMail } from './state';
