import { assessFraud, type FraudSignals } from '../../domain/fraud';
import type { FraudSettings } from '../../domain/settings';

const settings: FraudSettings = {
  holdThreshold: 65,
  holdTimeoutMs: 0,
  highAmountMinor: { USD: 50_000 },
  velocityLimit: 3,
};
const base: FraudSignals = {
  riskLevel: 'normal',
  riskScore: 12,
  billingCountry: 'US',
  shippingCountry: 'US',
  isFirstTimeCustomer: false,
  amountMinor: 2_000,
  currency: 'usd',
  recentOrderCount: 1,
  stripeFlags: [],
};

describe('fraud gate', () => {
  it('lets a normal-risk order through with its reason recorded', () => {
    expect(assessFraud(base, settings)).toEqual({
      score: 12,
      hold: false,
      reasons: ['Stripe Radar risk score 12 (normal)'],
    });
  });

  it('holds when order signals push a moderate Radar score over the threshold, explaining each point', () => {
    const result = assessFraud(
      { ...base, riskScore: 40, shippingCountry: 'NG', isFirstTimeCustomer: true, amountMinor: 80_000 },
      settings,
    );
    expect(result.score).toBe(70);
    expect(result.hold).toBe(true);
    expect(result.reasons).toEqual([
      'Stripe Radar risk score 40 (normal)',
      'billing country US differs from shipping country NG (+15)',
      'first order of this customer, for a high amount (+15)',
      'score 70 is at or above the hold threshold 65',
    ]);
  });

  it('uses the risk level when Radar gives no score, and caps at 100', () => {
    expect(
      assessFraud({ ...base, riskScore: undefined, riskLevel: 'highest', recentOrderCount: 9 }, settings).score,
    ).toBe(100);
  });

  it('always holds on a Radar review or an early fraud warning, whatever the score', () => {
    const result = assessFraud({ ...base, stripeFlags: ['Stripe Radar opened a review (rule)'] }, settings);
    expect(result).toMatchObject({ score: 12, hold: true });
    expect(result.reasons).toContain('Stripe Radar opened a review (rule)');
  });
});
