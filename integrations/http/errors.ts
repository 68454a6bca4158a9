import { failureTypes, type FailureKind } from '../../domain/failures';

/**
 * An external system said no, or could not be reached. Whose fault it is (`kind`, see domain/failures.ts) is decided
 * once per system, where its answer is read (`integrations/<system>/failures.ts`); only `transient` is retried.
 */
export class ExternalSystemError extends Error {
  override name = 'ExternalSystemError';
  constructor(
    readonly system: string,
    message: string,
    readonly status: number | undefined,
    readonly kind: FailureKind,
    readonly retryAfterMs?: number,
    readonly body?: unknown,
  ) {
    super(`${system}: ${message}`);
  }

  get retryable(): boolean {
    return this.kind === 'transient';
  }

  /** The Temporal failure type: `<System>Unavailable` while retrying, else the policy's `BusinessRefusal`, `Misconfigured` or `BadData`. */
  get failureType(): string {
    return this.kind === 'transient' ? `${this.system}Unavailable` : failureTypes[this.kind];
  }
}

/** How one system's answers are read: its error message and whose fault the failure is. */
export interface SystemVocabulary {
  messageOf(body: unknown, status: number): string;
  kindOf(status: number, body: unknown): FailureKind;
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent (Fastly's 429 page has none). */
export function parseRetryAfter(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
