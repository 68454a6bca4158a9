import { defineSignal } from '@temporalio/workflow';
import type { CustomerPassOutcome } from '../domain/customerPoll';

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
