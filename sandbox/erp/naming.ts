import type { ErpState } from './state';

/**
 * Naming series `PREFIX-.YYYY.-.#####`: `SAL-ORD-2026-00001`, counted per prefix and year like Frappe's
 * `tabSeries`. `peek` shows the next name without using it (for messages about a document not yet saved).
 */
export class NamingSeries {
  constructor(private readonly state: () => ErpState) {}

  peek(series: string, today: string): string {
    const prefix = prefixFor(series, today);
    return format(prefix, (this.state().series[prefix] ?? 0) + 1);
  }

  take(series: string, today: string): string {
    const prefix = prefixFor(series, today);
    const next = (this.state().series[prefix] ?? 0) + 1;
    this.state().series[prefix] = next;
    return format(prefix, next);
  }
}

/** The value ERPNext shows in a document's `naming_series` field. */
export function seriesPattern(series: string): string {
  return `${series}.YYYY.-`;
}

function prefixFor(series: string, today: string): string {
  return `${series}${today.slice(0, 4)}-`;
}

function format(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(5, '0')}`;
}
