import { z } from 'zod';

/**
 * Stripe Billing's account settings, as far as the sandbox models them. Fixed at sandbox start
 * (`createStripeSandbox({ billing })`), changed with `PUT /__sandbox/billing`, back to the start values on reset.
 */
export const billingSettingsSchema = z
  .object({
    /**
     * Dunning, as Stripe's custom retry schedule ("retry N days after the previous attempt"): after a failed
     * automatic attempt on a renewal or update invoice, the next attempt comes this many days later, one entry per
     * retry. Default `[3, 5, 7]`: retries 3, 8 and 15 days after the first failure, four attempts in all.
     */
    retryScheduleDays: z.array(z.number().int().min(1).max(60)).max(8),
    /** After the last retry fails ("Subscription status"): `canceled` (default), `unpaid`, or left `past_due`. */
    subscriptionAfterRetries: z.enum(['canceled', 'unpaid', 'past_due']),
    /**
     * … and the invoice ("Invoice status"): `uncollectible` (default), left `open` (past due), or `void` (a sandbox
     * extra: Stripe itself offers only the first two).
     */
    invoiceAfterRetries: z.enum(['uncollectible', 'open', 'void']),
    /** `invoice.upcoming` is sent this many days before each renewal (Stripe: 3, 7, 15, 30 or 45); 0 = never. Default 7. */
    upcomingInvoiceDays: z.number().int().min(0).max(45),
  })
  .strict();

export type BillingSettings = z.infer<typeof billingSettingsSchema>;

export const defaultBillingSettings: BillingSettings = {
  retryScheduleDays: [3, 5, 7],
  subscriptionAfterRetries: 'canceled',
  invoiceAfterRetries: 'uncollectible',
  upcomingInvoiceDays: 7,
};

/** `customer.subscription.trial_will_end` comes this long before a trial ends (fixed by Stripe). */
export const trialWillEndSeconds = 3 * 86_400;
