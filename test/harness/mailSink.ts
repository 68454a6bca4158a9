import axios from 'axios';
import type { SMTPServer } from 'smtp-server';
import { createMailSandbox, type MailSandbox, type MailSandboxOptions, type RecordedMail } from '../../sandbox/mail';
import { startPeer } from './peers';

export interface MailSink {
  sandbox: MailSandbox;
  /** `smtp://127.0.0.1:<port>` of the SMTP side. */
  smtpUrl: string;
  /** HTTP side: `GET /__sandbox/mail`, faults, reset. */
  url: string;
  /** What the sink recorded, read over HTTP, oldest first. */
  messages(filter?: { to?: string; key?: string }): Promise<RecordedMail[]>;
  close(): Promise<void>;
}

/** The sandbox mail peer on free loopback ports (SMTP and HTTP) for one test file. */
export async function startMailSink(options: MailSandboxOptions = {}): Promise<MailSink> {
  const sandbox = createMailSandbox(options);
  const http = await startPeer(sandbox);
  const smtp = await sandbox.listenSmtp(0);
  return {
    sandbox,
    smtpUrl: smtp.url,
    url: http.url,
    messages: async (filter = {}) =>
      (await axios.get<RecordedMail[]>(`${http.url}/__sandbox/mail`, { params: filter })).data,
    close: async () => {
      await closeSmtp(smtp.server);
      await http.close();
    },
  };
}

function closeSmtp(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
