import type { FraudSettings } from './settings';

/** What the fraud gate looks at: Stripe Radar's verdict plus signals from the Magento order. */
export interface FraudSignals {
  riskLevel?: string;
  riskScore?: number;
  billingCountry?: string;
  shippingCountry?: string;
  isFirstTimeCustomer: boolean;
  amountMinor: number;
  currency: string;
  /** Orders by the same e-mail in the last 24 hours, this one included. */
  recentOrderCount: number;
  /** Stripe opened a Radar review or sent an early fraud warning for this payment. */
  stripeFlags: string[];
}

export interface FraudAssessment {
  score: number;
  hold: boolean;
  /** Sentences a merchant understands, one per contribution. */
  reasons: string[];
}

const scoreByRiskLevel: Record<string, number> = { normal: 20, elevated: 65, highest: 90 };

/** Explainable score 0–100: every point comes with the reason it was added. */
export function assessFraud(signals: FraudSignals, settings: FraudSettings): FraudAssessment {
  const reasons: string[] = [];
  let score = 0;
  if (typeof signals.riskScore === 'number') {
    score = signals.riskScore;
    reasons.push(`Stripe Radar risk score ${signals.riskScore} (${signals.riskLevel ?? 'level unknown'})`);
  } else if (signals.riskLevel && signals.riskLevel in scoreByRiskLevel) {
    score = scoreByRiskLevel[signals.riskLevel]!;
    reasons.push(`Stripe Radar risk level ${signals.riskLevel}`);
  }
  const billing = signals.billingCountry?.toUpperCase();
  const shipping = signals.shippingCountry?.toUpperCase();
  if (billing && shipping && billing !== shipping) {
    score += 15;
    reasons.push(`billing country ${billing} differs from shipping country ${shipping} (+15)`);
  }
  const highAmount = settings.highAmountMinor[signals.currency.toUpperCase()];
  if (signals.isFirstTimeCustomer && highAmount !== undefined && signals.amountMinor >= highAmount) {
    score += 15;
    reasons.push(`first order of this customer, for a high amount (+15)`);
  }
  if (signals.recentOrderCount > settings.velocityLimit) {
    const extra = Math.min(30, 10 * (signals.recentOrderCount - settings.velocityLimit));
    score += extra;
    reasons.push(`${signals.recentOrderCount} orders from this e-mail in 24 hours (+${extra})`);
  }
  score = Math.max(0, Math.min(100, Math.round(score)));
  const overThreshold = score >= settings.holdThreshold;
  if (overThreshold) reasons.push(`score ${score} is at or above the hold threshold ${settings.holdThreshold}`);
  for (const flag of signals.stripeFlags) reasons.push(flag);
  return { score, hold: overThreshold || signals.stripeFlags.length > 0, reasons };
}
