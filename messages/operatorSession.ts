import { defineSignal } from '@temporalio/workflow';

/** The workflow type of an operator page session (docs/security.md, "Sessions"). */
export const operatorSessionWorkflowType = 'operatorSession';

export interface OperatorSessionInput {
  /** When the session ends however busy it is (epoch ms). */
  expiresAtMs: number;
  /** How long the session lasts without a request. */
  idleTimeoutMs: number;
}

export type OperatorSessionEnd = 'idle' | 'expired';

/** The operator used the session: its idle clock starts again. */
export const sessionUsedSignal = defineSignal('used');
