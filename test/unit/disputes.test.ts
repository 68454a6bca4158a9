import fc from 'fast-check';
import { disputeJournalFor } from '../../domain/disputes';
import { MappingError } from '../../domain/fulfilment';

const accounts = {
  chargebacks: 'Chargebacks - SS',
  reversals: 'Chargebacks - SS',
  fees: 'Stripe Fees - SS',
  clearing: 'Stripe Clearing - SS',
};

describe("booking a dispute's money from its balance transactions", () => {
  it('books a withdrawal as chargeback and fee debited, the clearing account credited with both', () => {
    const journal = disputeJournalFor(
      { balanceTransactionId: 'txn_1', amountMinor: -4_000, feeMinor: 1_500, netMinor: -5_500, currency: 'USD' },
      accounts,
      'dp_1',
    );
    expect(journal.lines).toEqual([
      { account: 'Chargebacks - SS', debitMinor: 4_000, creditMinor: 0 },
      { account: 'Stripe Fees - SS', debitMinor: 1_500, creditMinor: 0 },
      { account: 'Stripe Clearing - SS', debitMinor: 0, creditMinor: 5_500 },
    ]);
    expect(journal.remark).toBe('Stripe dispute dp_1: 40.00 USD withdrawn, fee 15.00 USD');
  });

  it('books a reinstatement back, so that the chargebacks account nets to zero when the dispute is won', () => {
    const out = disputeJournalFor(
      { balanceTransactionId: 'txn_1', amountMinor: -4_000, feeMinor: 1_500, netMinor: -5_500, currency: 'USD' },
      accounts,
      'dp_1',
    );
    const back = disputeJournalFor(
      { balanceTransactionId: 'txn_2', amountMinor: 4_000, feeMinor: 0, netMinor: 4_000, currency: 'USD' },
      accounts,
      'dp_1',
    );
    const net = (account: string) =>
      [...out.lines, ...back.lines]
        .filter((l) => l.account === account)
        .reduce((s, l) => s + l.debitMinor - l.creditMinor, 0);
    expect(net('Chargebacks - SS')).toBe(0);
    expect(net('Stripe Fees - SS')).toBe(1_500);
    expect(net('Stripe Clearing - SS')).toBe(-1_500);
  });

  it('always balances, in integer minor units, with no zero or two-sided row (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }).filter((a) => a !== 0),
        fc.integer({ min: -5_000, max: 5_000 }),
        (amountMinor, feeMinor) => {
          const journal = disputeJournalFor(
            { balanceTransactionId: 'txn', amountMinor, feeMinor, netMinor: amountMinor - feeMinor, currency: 'JPY' },
            accounts,
            'dp',
          );
          const debit = journal.lines.reduce((s, l) => s + l.debitMinor, 0);
          const credit = journal.lines.reduce((s, l) => s + l.creditMinor, 0);
          return (
            debit === credit &&
            journal.lines.every(
              (l) => l.debitMinor > 0 !== l.creditMinor > 0 && Number.isSafeInteger(l.debitMinor + l.creditMinor),
            )
          );
        },
      ),
    );
  });

  it('refuses a movement whose net is not amount less fee, or with no chargebacks account, as a mapping error (the run parks)', () => {
    expect(() =>
      disputeJournalFor(
        { balanceTransactionId: 'txn', amountMinor: -100, feeMinor: 15, netMinor: -100, currency: 'USD' },
        accounts,
        'dp',
      ),
    ).toThrow(MappingError);
    expect(() =>
      disputeJournalFor(
        { balanceTransactionId: 'txn', amountMinor: -100, feeMinor: 15, netMinor: -115, currency: 'USD' },
        { ...accounts, chargebacks: undefined },
        'dp',
      ),
    ).toThrow(/erp.glAccounts.dispute/);
  });
});
