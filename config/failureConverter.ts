import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failures' messages and stack traces go into `encodedAttributes`, a payload the codec encrypts like any other, because
 * an activity's error text can carry what it read from a system. Temporal keeps only "Encoded failure" in clear.
 * Loaded by path (`failureConverterPath`): workflow code runs in the worker's sandbox, which imports it by name.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
