import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';

/** The search attributes the run was started with: read before it writes any (the value kept does not change with later upserts). */
export function startAttributes(): TypedSearchAttributes {
  return workflowInfo().typedSearchAttributes;
}

/**
 * Upserts the pairs the run was not started with. Every upsert is a history event and a write to Temporal's visibility
 * store, on the hot path of each event and order; a value the starter gave is not written again. Deterministic: the
 * start's attributes are in the history, and runs started without them write every pair, as they always did.
 */
export function upsertUnlessStartedWith(start: TypedSearchAttributes, pairs: SearchAttributePair[]): void {
  const missing = pairs.filter((pair) => start.get(pair.key) !== pair.value);
  if (missing.length > 0) upsertSearchAttributes(missing);
}
