import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import Bottleneck from 'bottleneck';
import CircuitBreaker from 'opossum';
import { ExternalSystemError, parseRetryAfter, type SystemVocabulary } from './errors';

export interface ResilienceOptions {
  /** Requests in flight at once to this system. */
  maxConcurrent: number;
  /** Requests per second at most. */
  ratePerSecond: number;
  timeoutMs: number;
  /** Attempts for an idempotent read (GET) before its failure reaches Temporal's retry policy. */
  readAttempts: number;
  /** First pause between read attempts; doubles each time, unless the system sends a shorter Retry-After. */
  readRetryBaseMs: number;
  /** Breaker opens when this share of recent calls failed retryably… */
  breakerErrorPercent: number;
  /** …and lets one call through again after this long. */
  breakerResetMs: number;
}

export const defaultResilience: ResilienceOptions = {
  maxConcurrent: 20,
  ratePerSecond: 100,
  timeoutMs: 15_000,
  readAttempts: 3,
  readRetryBaseMs: 200,
  breakerErrorPercent: 50,
  breakerResetMs: 10_000,
};

/**
 * `ratePerSecond` as a token bucket: tokens come back every 100 ms (or one per request at rates under 10/s), and up to
 * a fifth of a second's worth may go at once. Spacing every request `1000 / rate` ms apart instead (bottleneck's
 * `minTime`) kept the average under the rate too, but queued each burst: an order's run makes its calls in quick
 * succession, and with dozens of runs in flight each call waited behind the others' spacing (docs/benchmark-and-chaos.md, "Tuning").
 */
export function tokenBucket(
  ratePerSecond: number,
): Pick<
  Bottleneck.ConstructorOptions,
  | 'reservoir'
  | 'reservoirIncreaseAmount'
  | 'reservoirIncreaseInterval'
  | 'reservoirIncreaseMaximum'
  | 'heartbeatInterval'
> {
  const intervalMs = Math.max(100, Math.ceil(1000 / ratePerSecond));
  const perInterval = Math.max(1, Math.round((ratePerSecond * intervalMs) / 1000));
  const burst = Math.max(perInterval, Math.ceil(ratePerSecond / 5));
  // bottleneck looks at the reservoir on its heartbeat (250 ms by default): as often as tokens come back.
  return {
    reservoir: burst,
    reservoirIncreaseAmount: perInterval,
    reservoirIncreaseInterval: intervalMs,
    reservoirIncreaseMaximum: burst,
    heartbeatInterval: intervalMs,
  };
}

/**
 * An HTTP client for one external system: every request goes through the system's rate limiter and circuit
 * breaker, and every failure comes out as an ExternalSystemError. Only retryable failures trip the breaker.
 */
export class ResilientHttp {
  private readonly limiter: Bottleneck;
  private readonly breaker: CircuitBreaker<[AxiosRequestConfig], AxiosResponse>;

  constructor(
    readonly system: string,
    readonly http: AxiosInstance,
    private readonly vocabulary: SystemVocabulary,
    private readonly options: ResilienceOptions = defaultResilience,
  ) {
    this.limiter = new Bottleneck({ maxConcurrent: options.maxConcurrent, ...tokenBucket(options.ratePerSecond) });
    this.breaker = new CircuitBreaker((config: AxiosRequestConfig) => this.http.request(config), {
      timeout: false,
      errorThresholdPercentage: options.breakerErrorPercent,
      resetTimeout: options.breakerResetMs,
      volumeThreshold: 10,
      errorFilter: (err: unknown) => !this.toError(err).retryable,
    });
  }

  get breakerState(): 'open' | 'halfOpen' | 'closed' {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'halfOpen' : 'closed';
  }

  /**
   * One call. Reads are retried here a few times, quickly (an activity makes several calls, and a transient fault in
   * any of them would otherwise fail the whole attempt); writes go to Temporal's retry policy on the first failure.
   */
  async request<T>(config: AxiosRequestConfig): Promise<T> {
    const attempts = (config.method ?? 'GET').toUpperCase() === 'GET' ? this.options.readAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.limiter.schedule(() =>
          this.breaker.fire({ timeout: this.options.timeoutMs, ...config }),
        );
        return response.data as T;
      } catch (err) {
        const error = this.toError(err);
        const pauseMs = Math.min(error.retryAfterMs ?? Infinity, this.options.readRetryBaseMs * 2 ** (attempt - 1));
        if (!error.retryable || attempt >= attempts || this.breaker.opened || pauseMs > 5_000) throw error;
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    }
  }

  private toError(err: unknown): ExternalSystemError {
    if (err instanceof ExternalSystemError) return err;
    if (err instanceof AxiosError) {
      const status = err.response?.status;
      // The path only: query strings can carry personal data (a customer's e-mail in a search), and this message
      // reaches logs and workflow history.
      const what = `${err.config?.method?.toUpperCase() ?? 'request'} ${(err.config?.url ?? '').split('?')[0]}`;
      if (status === undefined)
        return new ExternalSystemError(this.system, `${what}: ${err.code ?? err.message}`, undefined, 'transient');
      const body: unknown = err.response?.data;
      return new ExternalSystemError(
        this.system,
        `${what} → ${status}: ${this.vocabulary.messageOf(body, status)}`,
        status,
        this.vocabulary.kindOf(status, body),
        parseRetryAfter(err.response?.headers?.['retry-after']),
        err.response?.data,
      );
    }
    if (err instanceof Error && /breaker is open/i.test(err.message)) {
      return new ExternalSystemError(
        this.system,
        'circuit breaker open after repeated failures',
        undefined,
        'transient',
        this.options.breakerResetMs,
      );
    }
    return new ExternalSystemError(
      this.system,
      err instanceof Error ? err.message : String(err),
      undefined,
      'transient',
    );
  }
}

export function createAxios(baseURL: string, headers: Record<string, string> = {}): AxiosInstance {
  return axios.create({ baseURL, headers: { Accept: 'application/json', ...headers }, maxRedirects: 0 });
}
