import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CustomerPassOutcome } from '../domain/customerPoll';

export interface CustomerSyncInput {
  /** The customer's key: the digest of the e-mail the pair was first linked under (`emailKey`); the run's id is keyed from it (`customerWorkflowId`). */
  key: string;
  magentoCustomerId?: number;
  stripeCustomerId?: string;
  /** Epoch ms of the last Stripe customer event seen (carried over a continue-as-new and a hand-over). */
  stripeChangedAtMs?: number;
  /** Passes of the runs before this one (carried over a continue-as-new and a hand-over, so `status.passes` counts them all). */
  passes?: number;
  /** Backfills still to be told the outcome of the next pass (carried over a continue-as-new and a hand-over). */
  replies?: PassReply[];
}

/** A backfill run waiting to hear how the pass its hand-over leads to went, for these Magento customers. */
export interface PassReply {
  workflowId: string;
  customerIds: number[];
}

/** A Magento customer changed (the `magento-customer-poll` saw it): look again. */
export interface MagentoCustomerChange {
  customerId: number;
  updatedAt: string;
  /** A backfill's workflow ID: it is told the outcome of the pass this change leads to (`customerSyncOutcome`). */
  replyTo?: string;
}
export const magentoCustomerChangedSignal = defineSignal<[MagentoCustomerChange]>('magentoCustomerChanged');

/** A customer's run, to the backfill that handed these Magento customers over: how the pass went (ids and the outcome, no PII). */
export interface CustomerSyncOutcomeNotice {
  customerIds: number[];
  outcome: CustomerPassOutcome;
}
export const customerSyncOutcomeSignal = defineSignal<[CustomerSyncOutcomeNotice]>('customerSyncOutcome');

/**
 * To a customer's run under release 1.2's id (`customer:e…`): end, once no pass is under way, and answer the state its
 * successor under the keyed id `to` starts from (what a continue-as-new carries). Refused while a pass is parked for
 * review, and for another `to` than one already accepted; asked again with the same `to`, it answers the same.
 */
export const handOverCustomerRunUpdate = defineUpdate<CustomerSyncInput, [{ to: string }]>('handOverCustomerRun');
