/**
 * An external system said no, or could not be reached. Whether a retry can help is decided here, once:
 * 408/425/429/5xx and network errors are retryable (honouring Retry-After), other 4xx are not.
 */
export class ExternalSystemError extends Error {
  override name = 'ExternalSystemError';
  constructor(
    readonly system: string,
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly body?: unknown,
  ) {
    super(`${system}: ${message}`);
  }

  /** Failure type name for Temporal retry policies: e.g. `MagentoValidationError`, `MagentoUnavailable`. */
  get failureType(): string {
    return `${this.system}${this.retryable ? 'Unavailable' : this.status === 404 ? 'NotFound' : 'ValidationError'}`;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent (Fastly's 429 page has none). */
export function parseRetryAfter(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
