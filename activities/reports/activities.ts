import type { PayoutReportHead, PayoutReversal } from '../../domain/payoutReport';
import type { PayoutReportStore } from '../../integrations/storage/payoutReportStore';

/** The payout reports kept outside Temporal (see integrations/storage/payoutReportStore.ts): what the payout run writes besides its lines. */
export function createReportActivities(reports: PayoutReportStore) {
  return {
    /** Publishes a booked payout's report over the reading its lines were written to; publishing the same head again changes nothing. */
    async publishPayoutReport(head: PayoutReportHead): Promise<void> {
      await reports.publish(head);
    },

    /** Notes the reversal on the payout's published report, if there is one (a payout booked before reports were stored has none). */
    async recordPayoutReversal(input: { payoutId: string; reversal: PayoutReversal }): Promise<{ recorded: boolean }> {
      return { recorded: await reports.recordReversal(input.payoutId, input.reversal) };
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
