import { buildIdOf, versionsReport, type OpenRun } from '../../domain/versions';

const order = (changeVersions: string[], buildIds: string[]): OpenRun => ({
  workflowType: 'orderToCash',
  changeVersions,
  buildIds,
});

describe('the versions report: which patches the open runs still need, and which builds ran them', () => {
  const registry = {
    '1.1:invoice-from-amended-sales-order': {
      workflowType: 'orderToCash',
      changed: 'the ERP invoice is made from the Sales Order as amended',
      stage: 'patched' as const,
    },
    '1.1:refund-note-dated-by-refund': {
      workflowType: 'refund',
      changed: 'credit notes are dated by the refund',
      stage: 'deprecated' as const,
    },
  };

  it('keeps a patched patch while an open run lacks it, and says it may move to deprecatePatch when none does', () => {
    const mixed = versionsReport(
      [
        order(['1.1:invoice-from-amended-sales-order'], ['unversioned', 'unversioned:1.1.0+b2']),
        order([], ['unversioned:1.0.0+a1']),
      ],
      registry,
    );
    const orderType = mixed.find((t) => t.workflowType === 'orderToCash')!;
    expect(orderType.openRuns).toBe(2);
    expect(orderType.patches).toEqual([
      expect.objectContaining({
        id: '1.1:invoice-from-amended-sales-order',
        withPatch: 1,
        withoutPatch: 1,
        stage: 'patched',
      }),
    ]);
    expect(orderType.patches[0]!.advice).toMatch(/keep: 1 open run/);
    expect(orderType.builds).toEqual({ '1.1.0+b2': 1, '1.0.0+a1': 1 });

    const drained = versionsReport(
      [order(['1.1:invoice-from-amended-sales-order'], ['unversioned:1.1.0+b2'])],
      registry,
    );
    expect(drained[0]!.patches[0]!.advice).toMatch(/may move to deprecatePatch/);
  });

  it('says a deprecated patch may be deleted once no open run carries it, and lists a recorded patch the code lost', () => {
    const report = versionsReport(
      [{ workflowType: 'refund', changeVersions: ['0.9:old-branch'], buildIds: [] }],
      registry,
    );
    const refund = report.find((t) => t.workflowType === 'refund')!;
    expect(refund.patches.map((p) => [p.id, p.stage])).toEqual([
      ['0.9:old-branch', 'not registered'],
      ['1.1:refund-note-dated-by-refund', 'deprecated'],
    ]);
    expect(refund.patches[1]!.advice).toMatch(/may be deleted/);
    expect(refund.builds).toEqual({ '(no task run yet)': 1 });
    // A registered patch with no open runs of its type at all is listed too: it may go.
    expect(report.find((t) => t.workflowType === 'orderToCash')!.patches[0]!.advice).toMatch(
      /may move to deprecatePatch/,
    );
  });

  it('reads build ids as Temporal lists them', () => {
    expect(buildIdOf('unversioned:1.0.0+abc')).toBe('1.0.0+abc');
    expect(buildIdOf('unversioned')).toBeUndefined();
    expect(buildIdOf('assigned:1.0.0+abc')).toBe('assigned:1.0.0+abc');
  });
});
