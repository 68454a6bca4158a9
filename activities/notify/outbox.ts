import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Notification {
  key: string;
  audience: 'customer' | 'merchant';
  template: string;
  orderId?: string;
  to?: string;
  subject: string;
  detail?: string;
}

/**
 * Where notifications go: a JSON-lines outbox that a mailer or chat relay drains (and tests read), written at most
 * once per key. A file path keeps the once-only promise across worker restarts.
 */
export class NotificationOutbox {
  private readonly sent = new Map<string, Notification & { at: string }>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const entry = JSON.parse(line) as Notification & { at: string };
        this.sent.set(entry.key, entry);
      }
    }
  }

  send(notification: Notification, at: Date = new Date()): { sent: boolean } {
    if (this.sent.has(notification.key)) return { sent: false };
    const entry = { ...notification, at: at.toISOString() };
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    }
    this.sent.set(notification.key, entry);
    return { sent: true };
  }

  list(): Array<Notification & { at: string }> {
    return [...this.sent.values()];
  }
}
