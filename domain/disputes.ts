import { MappingError } from './fulfilment';
import { formatMoney } from './money';

export interface DisputeAccounts {
  /** Where a chargeback's withdrawn amount is held until the dispute is decided. */
  chargebacks: string | undefined;
  /** Where money a won dispute returns is booked (usually the same account, so that it nets to zero). */
  reversals: string | undefined;
  /** Stripe's fees. */
  fees: string | undefined;
  /** The Stripe balance (clearing) account the money leaves from and returns to. */
  clearing: string;
}

export interface DisputeMovementLike {
  balanceTransactionId: string;
  /** Signed: negative when money left the Stripe balance. */
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  currency: string;
}

export interface DisputeJournal {
  lines: Array<{ account: string; debitMinor: number; creditMinor: number }>;
  remark: string;
}

/**
 * The Journal Entry for one movement of a dispute's money, from its balance transaction: the disputed amount to the
 * chargebacks account (back from it on a reinstatement), the fee to the fees account, the net to or from the Stripe
 * clearing account. Debits equal credits by construction (−amount + fee = −net), in integer minor units.
 */
export function disputeJournalFor(
  movement: DisputeMovementLike,
  accounts: DisputeAccounts,
  disputeId: string,
): DisputeJournal {
  const { amountMinor, feeMinor, netMinor, currency } = movement;
  if (amountMinor - feeMinor !== netMinor) {
    throw new MappingError(
      `balance transaction ${movement.balanceTransactionId}: net ${formatMoney(netMinor, currency)} is not amount less fee`,
    );
  }
  const amountAccount = amountMinor < 0 ? accounts.chargebacks : accounts.reversals;
  if (!amountAccount || (feeMinor !== 0 && !accounts.fees)) {
    throw new MappingError(
      `dispute ${disputeId}: config/mappings.yaml needs erp.glAccounts.dispute, dispute_reversal and fee to book its money`,
    );
  }
  const signed: Array<[string, number]> = [
    [amountAccount, -amountMinor],
    [accounts.fees ?? '', feeMinor],
    [accounts.clearing, netMinor],
  ];
  const lines = signed
    .filter(([, minor]) => minor !== 0)
    .map(([account, minor]) => ({ account, debitMinor: Math.max(minor, 0), creditMinor: Math.max(-minor, 0) }));
  const what = amountMinor < 0 ? 'withdrawn' : 'reinstated';
  return {
    lines,
    remark: `Stripe dispute ${disputeId}: ${formatMoney(Math.abs(amountMinor), currency)} ${what}, fee ${formatMoney(feeMinor, currency)}`,
  };
}
