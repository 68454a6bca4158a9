import {
  advanceCustomerCursor, customerCursorAt, customerCursorFromResult, customerWindowStart, isRecentCustomer, nextCustomerPosition, normalisedUpdatedAt,
} from '../../domain/customerPoll';

describe('the Magento customer poll cursor', () => {
  it('reads again from two minutes before the cursor and skips the customers it handed over there at the same updated_at', () => {
    const cursor = advanceCustomerCursor(customerCursorAt('2026-11-30 10:00:00'), [
      { customerId: 1, updatedAt: '2026-11-30 09:57:00' }, { customerId: 2, updatedAt: '2026-11-30 09:59:30' }, { customerId: 3, updatedAt: '2026-11-30 10:00:10' },
    ]);
    expect(cursor).toEqual({ updatedAt: '2026-11-30 10:00:10', recent: [{ customerId: 2, updatedAt: '2026-11-30 09:59:30' }, { customerId: 3, updatedAt: '2026-11-30 10:00:10' }] });
    expect(customerWindowStart(cursor)).toBe('2026-11-30 09:58:10');
    expect(isRecentCustomer(cursor, { customerId: 3, updatedAt: '2026-11-30 10:00:10' })).toBe(true);
    // Saved again since: a change to hand over, though the id was seen.
    expect(isRecentCustomer(cursor, { customerId: 3, updatedAt: '2026-11-30 10:00:40' })).toBe(false);
  });

  it('never moves back, and keeps one entry per customer at its newest updated_at', () => {
    const cursor = advanceCustomerCursor({ updatedAt: '2026-11-30 10:00:00', recent: [{ customerId: 7, updatedAt: '2026-11-30 09:59:00' }] },
      [{ customerId: 7, updatedAt: '2026-11-30 09:59:50' }, { customerId: 8, updatedAt: '2026-11-30 09:30:00' }]);
    expect(cursor).toEqual({ updatedAt: '2026-11-30 10:00:00', recent: [{ customerId: 7, updatedAt: '2026-11-30 09:59:50' }] });
  });

  it('pages by (updated_at, id) so a page full of one second goes on past the ids it read', () => {
    const at = '2026-11-30 10:00:00';
    const same = nextCustomerPosition({ since: at, excludeIds: [] }, [{ customerId: 1, updatedAt: at }, { customerId: 2, updatedAt: at }]);
    expect(same).toEqual({ since: at, excludeIds: [1, 2] });
    expect(nextCustomerPosition(same, [{ customerId: 3, updatedAt: at }, { customerId: 4, updatedAt: '2026-11-30 10:00:05' }]))
      .toEqual({ since: '2026-11-30 10:00:05', excludeIds: [4] });
  });

  it('takes a previous run’s result as the cursor only when it holds one, and reads Magento and ISO times alike', () => {
    expect(customerCursorFromResult({ cursor: { updatedAt: '2026-11-30 10:00:00', recent: [{ customerId: 1, updatedAt: '2026-11-30 10:00:00' }, { bad: 1 }] } }))
      .toEqual({ updatedAt: '2026-11-30 10:00:00', recent: [{ customerId: 1, updatedAt: '2026-11-30 10:00:00' }] });
    expect(customerCursorFromResult(undefined)).toBeUndefined();
    expect(customerCursorFromResult({ cursor: { updatedAt: 'yesterday', recent: [] } })).toBeUndefined();
    expect(customerCursorAt('2026-11-30T11:00:00+01:00').updatedAt).toBe('2026-11-30 10:00:00');
    expect(normalisedUpdatedAt('2026-11-30T10:00:00')).toBe('2026-11-30 10:00:00');
    expect(normalisedUpdatedAt(null)).toBeUndefined();
  });
});
