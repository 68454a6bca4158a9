import { condition, setHandler } from '@temporalio/workflow';
import { sessionUsedSignal, type OperatorSessionEnd, type OperatorSessionInput } from '../messages/operatorSession';

/**
 * One operator page session: open while it is used, it ends by itself after `idleTimeoutMs` without a request or at
 * `expiresAtMs`. Every API process accepts its cookie only while this run is open; logging out terminates it.
 */
export async function operatorSession(input: OperatorSessionInput): Promise<OperatorSessionEnd> {
  let lastUsedMs = Date.now();
  let used = false;
  setHandler(sessionUsedSignal, () => {
    lastUsedMs = Date.now();
    used = true;
  });
  for (;;) {
    const idleEndMs = lastUsedMs + input.idleTimeoutMs;
    const endMs = Math.min(idleEndMs, input.expiresAtMs);
    if (endMs <= Date.now()) return idleEndMs <= input.expiresAtMs ? 'idle' : 'expired';
    used = false;
    await condition(() => used, endMs - Date.now());
  }
}
