import { kindOfStatus, type FailureKind } from '../../domain/failures';

/**
 * Whose fault an ERPNext error is. Frappe answers a doctype or method it does not have (our wrong URL or a missing
 * app) with 404 naming the DocType; every other 4xx (417 ValidationError, 404 DoesNotExistError, 409 duplicate) is
 * data. ERPNext refuses nothing for business reasons that should move money.
 */
export function erpFailureKind(status: number, body: unknown): FailureKind {
  const kind = kindOfStatus(status);
  if (kind !== 'bad_data') return kind;
  const text = typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body ?? '');
  if (status === 404 && /DocType [^"]* not found|Page Not Found|No module named/i.test(text)) return 'misconfigured';
  return 'bad_data';
}
