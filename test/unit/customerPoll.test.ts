import {
  advanceCustomerCursor,
  backfillSummary,
  countOutcome,
  customerCursorAt,
  customerCursorFromResult,
  customerPassOutcome,
  customerWindowStart,
  isRecentCustomer,
  nextCustomerPosition,
  noBackfillOutcomes,
  normalisedUpdatedAt,
} from '../../domain/customerPoll';
import { customerSyncSummaryLine } from '../../scripts/ops/customerSync';

describe('the Magento customer poll cursor', () => {
  it('reads again from two minutes before the cursor and skips the customers it handed over there at the same updated_at', () => {
    const cursor = advanceCustomerCursor(customerCursorAt('2026-11-30 10:00:00'), [
      { customerId: 1, updatedAt: '2026-11-30 09:57:00' },
      { customerId: 2, updatedAt: '2026-11-30 09:59:30' },
      { customerId: 3, updatedAt: '2026-11-30 10:00:10' },
    ]);
    expect(cursor).toEqual({
      updatedAt: '2026-11-30 10:00:10',
      recent: [
        { customerId: 2, updatedAt: '2026-11-30 09:59:30' },
        { customerId: 3, updatedAt: '2026-11-30 10:00:10' },
      ],
    });
    expect(customerWindowStart(cursor)).toBe('2026-11-30 09:58:10');
    expect(isRecentCustomer(cursor, { customerId: 3, updatedAt: '2026-11-30 10:00:10' })).toBe(true);
    // Saved again since: a change to hand over, though the id was seen.
    expect(isRecentCustomer(cursor, { customerId: 3, updatedAt: '2026-11-30 10:00:40' })).toBe(false);
  });

  it('never moves back, and keeps one entry per customer at its newest updated_at', () => {
    const cursor = advanceCustomerCursor(
      { updatedAt: '2026-11-30 10:00:00', recent: [{ customerId: 7, updatedAt: '2026-11-30 09:59:00' }] },
      [
        { customerId: 7, updatedAt: '2026-11-30 09:59:50' },
        { customerId: 8, updatedAt: '2026-11-30 09:30:00' },
      ],
    );
    expect(cursor).toEqual({
      updatedAt: '2026-11-30 10:00:00',
      recent: [{ customerId: 7, updatedAt: '2026-11-30 09:59:50' }],
    });
  });

  it('pages by (updated_at, id) so a page full of one second goes on past the ids it read', () => {
    const at = '2026-11-30 10:00:00';
    const same = nextCustomerPosition({ since: at, excludeIds: [] }, [
      { customerId: 1, updatedAt: at },
      { customerId: 2, updatedAt: at },
    ]);
    expect(same).toEqual({ since: at, excludeIds: [1, 2] });
    expect(
      nextCustomerPosition(same, [
        { customerId: 3, updatedAt: at },
        { customerId: 4, updatedAt: '2026-11-30 10:00:05' },
      ]),
    ).toEqual({ since: '2026-11-30 10:00:05', excludeIds: [4] });
  });

  it('takes a previous run’s result as the cursor only when it holds one, and reads Magento and ISO times alike', () => {
    expect(
      customerCursorFromResult({
        cursor: {
          updatedAt: '2026-11-30 10:00:00',
          recent: [{ customerId: 1, updatedAt: '2026-11-30 10:00:00' }, { bad: 1 }],
        },
      }),
    ).toEqual({ updatedAt: '2026-11-30 10:00:00', recent: [{ customerId: 1, updatedAt: '2026-11-30 10:00:00' }] });
    expect(customerCursorFromResult(undefined)).toBeUndefined();
    expect(customerCursorFromResult({ cursor: { updatedAt: 'yesterday', recent: [] } })).toBeUndefined();
    expect(customerCursorAt('2026-11-30T11:00:00+01:00').updatedAt).toBe('2026-11-30 10:00:00');
    expect(normalisedUpdatedAt('2026-11-30T10:00:00')).toBe('2026-11-30 10:00:00');
    expect(normalisedUpdatedAt(null)).toBeUndefined();
  });
});

describe('a backfill’s summary', () => {
  it('gives each pass one outcome: a conflict first, then made, not synced, written, else unchanged', () => {
    expect(customerPassOutcome({ lastDecision: 'copy_from_stripe', conflict: true, wrote: true })).toBe('conflict');
    expect(customerPassOutcome({ lastDecision: 'created_in_stripe', conflict: false, wrote: true })).toBe('created');
    expect(customerPassOutcome({ lastDecision: 'created_in_magento', conflict: false, wrote: true })).toBe('created');
    for (const decision of ['guest_without_account', 'stripe_deleted', 'magento_deleted', 'neither_side_has_it']) {
      expect(
        customerPassOutcome({ lastDecision: decision, conflict: false, wrote: decision !== 'guest_without_account' }),
      ).toBe('not_synced');
    }
    expect(customerPassOutcome({ lastDecision: 'copy_from_magento', conflict: false, wrote: true })).toBe('updated');
    // Linking two customers that already agree writes only the link and hashes: an update.
    expect(customerPassOutcome({ lastDecision: 'store_hash', conflict: false, wrote: true })).toBe('updated');
    expect(customerPassOutcome({ lastDecision: 'in_step', conflict: false, wrote: false })).toBe('unchanged');
  });

  it('puts every customer read in exactly one count, the poll’s unchanged and the runs’ together', () => {
    const outcomes = noBackfillOutcomes();
    countOutcome(outcomes, 'created', 2);
    countOutcome(outcomes, 'updated');
    countOutcome(outcomes, 'unchanged');
    countOutcome(outcomes, 'conflict');
    countOutcome(outcomes, 'not_synced');
    outcomes.unanswered = 1;
    const status = { read: 12, alreadySeen: 1, withoutEmail: 1, unchanged: 3, handedOver: 7, outcomes };
    const summary = backfillSummary(status)!;
    expect(summary).toEqual({
      read: 12,
      alreadySeen: 1,
      withoutEmail: 1,
      created: 2,
      updated: 1,
      unchanged: 4,
      conflicts: 1,
      notSynced: 1,
      unanswered: 1,
    });
    const { read, ...counts } = summary;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(read);
    expect(backfillSummary({ ...status, outcomes: undefined })).toBeUndefined();

    const progress = {
      since: '2026-11-01 00:00:00',
      pages: 1,
      read: 12,
      alreadySeen: 1,
      handedOver: 7,
      unchanged: 3,
      withoutEmail: 1,
      more: false,
    };
    expect(customerSyncSummaryLine(progress, summary)).toBe(
      '12 customers read since 2026-11-01 00:00:00: 2 created, 1 updated, 4 unchanged, 1 conflict ' +
        '(the later change kept); 1 not synced (guests without an account, deleted on one side), 1 without e-mail, 1 read twice, 1 not answered in time (see their runs)',
    );
    expect(customerSyncSummaryLine(progress, undefined)).toBe(
      '12 customers read since 2026-11-01 00:00:00, 7 handed to their sync runs, 3 unchanged, 1 without e-mail',
    );
  });
});
