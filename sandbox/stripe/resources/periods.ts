import type { Recurring } from '../billingTypes';

export const daySeconds = 86_400;

const monthly: Recurring = { interval: 'month', interval_count: 1, usage_type: 'licensed' };

/** The end of a billing period: calendar months and years clamp to the month's last day, as Stripe does. */
export function addInterval(startSeconds: number, recurring: Recurring | null = monthly): number {
  const r = recurring ?? monthly;
  const start = new Date(startSeconds * 1000);
  const count = r.interval_count;
  if (r.interval === 'day' || r.interval === 'week') {
    return startSeconds + count * (r.interval === 'day' ? 1 : 7) * daySeconds;
  }
  const months = r.interval === 'month' ? count : count * 12;
  const target = new Date(
    Date.UTC(
      start.getUTCFullYear(),
      start.getUTCMonth() + months,
      1,
      start.getUTCHours(),
      start.getUTCMinutes(),
      start.getUTCSeconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(start.getUTCDate(), lastDay));
  return Math.floor(target.getTime() / 1000);
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as Stripe writes it in proration descriptions: `03 Mar 2027` (UTC). */
export function formatDay(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${String(d.getUTCDate()).padStart(2, '0')} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** `month`, `3 months`, `year`: the interval as Stripe words it in line descriptions. */
export function intervalText(recurring: Recurring | null): string {
  const r = recurring ?? monthly;
  return r.interval_count === 1 ? r.interval : `${r.interval_count} ${r.interval}s`;
}
