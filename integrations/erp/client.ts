import { createAxios, defaultResilience, ResilientHttp, type ResilienceOptions } from '../http/resilientHttp';
import { erpFailureKind } from './failures';

export interface ErpClientOptions {
  /** The site root, e.g. `https://erp.example.com` (the client adds `/api/…`). */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  resilience?: ResilienceOptions;
}

/** Frappe's document status: 0 draft, 1 submitted, 2 cancelled. */
export type DocStatus = 0 | 1 | 2;

/** Fields every Frappe document carries; the rest depend on the DocType. */
export interface FrappeDoc {
  name: string;
  doctype: string;
  docstatus: DocStatus;
  [field: string]: unknown;
}

/** A Frappe list filter: `[field, operator, value]`, or `[child DocType, field, operator, value]` for a child table. */
export type FrappeFilter = [string, string, unknown] | [string, string, string, unknown];

/**
 * A `like` filter's value for text that must match as itself: Frappe hands the value to MariaDB's `LIKE`, where `%` and
 * `_` are wildcards and a backslash escapes them (and itself), so an order `100%_x` would also find `1000Zx`.
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

/** A `like` value matching text that contains `text`. */
export const likeContaining = (text: string): string => `%${likeLiteral(text)}%`;

/** A `like` value matching text that starts with `text`. */
export const likeStartingWith = (text: string): string => `${likeLiteral(text)}%`;

export interface ListOptions {
  filters?: FrappeFilter[];
  /** Defaults to `["name"]`, as Frappe does. */
  fields?: string[];
  /** Page length; 0 returns every match. Frappe's own default is 20. */
  limit?: number;
  orderBy?: string;
}

/**
 * Frappe error bodies carry the exception class in `exc_type` and the user-facing messages JSON-encoded twice in
 * `_server_messages`; `exception` holds `frappe.exceptions.Class: text`. Gateway errors are nginx HTML pages.
 */
export function frappeMessage(body: unknown): string {
  if (typeof body === 'string') {
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1];
    return title ? `${title.trim()} (HTML error page)` : body.slice(0, 200) || 'no message';
  }
  const {
    exc_type: excType,
    _server_messages: serverMessages,
    exception,
    message,
  } = (body ?? {}) as Record<string, unknown>;
  const messages = serverMessagesOf(serverMessages);
  const text =
    messages.length > 0
      ? messages.join('; ')
      : typeof exception === 'string'
        ? exception.replace(/^[\w.]+:\s*/, '')
        : typeof message === 'string'
          ? message
          : '';
  if (typeof excType === 'string' && excType) return text ? `${excType}: ${text}` : excType;
  return text || 'no message';
}

function serverMessagesOf(raw: unknown): string[] {
  if (typeof raw !== 'string') return [];
  try {
    const outer: unknown = JSON.parse(raw);
    if (!Array.isArray(outer)) return [];
    return outer
      .map((entry) => {
        const inner: unknown = typeof entry === 'string' ? JSON.parse(entry) : entry;
        const text = inner && typeof inner === 'object' && 'message' in inner ? String(inner.message) : String(inner);
        return text.replace(/<[^>]*>/g, '').trim();
      })
      .filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Typed client for ERPNext's Frappe REST API (`/api/resource/{DocType}`), API-key token auth. Validation errors
 * (417) and missing documents (404) come out as non-retryable ExternalSystemErrors, 429/5xx as retryable ones.
 */
export class ErpClient {
  private readonly rest: ResilientHttp;

  constructor(options: ErpClientOptions) {
    const http = createAxios(options.baseUrl.replace(/\/+$/, ''), {
      'Content-Type': 'application/json',
      Authorization: `token ${options.apiKey}:${options.apiSecret}`,
    });
    this.rest = new ResilientHttp(
      'Erp',
      http,
      { messageOf: frappeMessage, kindOf: erpFailureKind },
      options.resilience ?? defaultResilience,
    );
  }

  get breakerState() {
    return this.rest.breakerState;
  }

  async createDoc<T extends FrappeDoc = FrappeDoc>(doctype: string, doc: object): Promise<T> {
    const { data } = await this.rest.request<{ data: T }>({ method: 'POST', url: resourceUrl(doctype), data: doc });
    return data;
  }

  async getDoc<T extends FrappeDoc = FrappeDoc>(doctype: string, name: string): Promise<T> {
    const { data } = await this.rest.request<{ data: T }>({ method: 'GET', url: resourceUrl(doctype, name) });
    return data;
  }

  /** Only the requested `fields` of each match (child tables are not listed: read the document for those). */
  async listDocs<T extends object = Pick<FrappeDoc, 'name'>>(doctype: string, options: ListOptions = {}): Promise<T[]> {
    const params: Record<string, string> = { fields: JSON.stringify(options.fields ?? ['name']) };
    if (options.filters?.length) params.filters = JSON.stringify(options.filters);
    if (options.limit !== undefined) params.limit_page_length = String(options.limit);
    if (options.orderBy) params.order_by = options.orderBy;
    const { data } = await this.rest.request<{ data: T[] }>({ method: 'GET', url: resourceUrl(doctype), params });
    return data;
  }

  /** Saves changes to a draft (or submits it with `docstatus: 1`), or the fields a submitted document still allows. */
  async updateDoc<T extends FrappeDoc = FrappeDoc>(doctype: string, name: string, changes: object): Promise<T> {
    const { data } = await this.rest.request<{ data: T }>({
      method: 'PUT',
      url: resourceUrl(doctype, name),
      data: changes,
    });
    return data;
  }

  /** Deletes a draft or a document that is not submittable (a Customer nothing links to yet). */
  async deleteDoc(doctype: string, name: string): Promise<void> {
    await this.rest.request({ method: 'DELETE', url: resourceUrl(doctype, name) });
  }

  /** Cancels a submitted document (docstatus 1 → 2). */
  async cancelDoc<T extends FrappeDoc = FrappeDoc>(doctype: string, name: string): Promise<T> {
    const { message } = await this.rest.request<{ message: T }>({
      method: 'POST',
      url: '/api/method/frappe.client.cancel',
      data: { doctype, name },
    });
    return message;
  }
}

function resourceUrl(doctype: string, name?: string): string {
  const base = `/api/resource/${encodeURIComponent(doctype)}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}
