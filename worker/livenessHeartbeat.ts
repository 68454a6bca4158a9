import { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';

/** Heartbeat timeouts up to this long ask for liveness heartbeats; longer ones belong to activities that heartbeat their own progress. */
export const livenessHeartbeatCeilingMs = 15_000;

/**
 * Liveness heartbeats for activities scheduled with a short heartbeat timeout (`externalCall`): while one runs, it
 * heartbeats every third of its timeout, so Temporal sees a worker killed mid-call after that timeout instead of the
 * whole start-to-close timeout. A call done within the first third sends none (no extra load on the server for the
 * usual sub-second call). Activities that heartbeat their own progress (the payout's reading) use a longer timeout and
 * are left alone, so their checkpoint is never overwritten.
 */
export class LivenessHeartbeatInterceptor implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const context = Context.current();
    const timeoutMs = context.info.heartbeatTimeoutMs;
    if (!timeoutMs || timeoutMs > livenessHeartbeatCeilingMs) return next(input);
    const ticker = setInterval(() => context.heartbeat(), Math.max(100, Math.floor(timeoutMs / 3)));
    try {
      return await next(input);
    } finally {
      clearInterval(ticker);
    }
  }
}
