import { seedChart } from './chart';
/** Frappe's document status: 0 draft, 1 submitted, 2 cancelled. */
export type DocStatus = 0 | 1 | 2;

/** Fields every Frappe document carries, whatever its DocType. */
export interface DocMeta {
  name: string;
  doctype: string;
  docstatus: DocStatus;
  /** `YYYY-MM-DD HH:MM:SS.ffffff`, as Frappe formats datetimes. */
  creation: string;
  modified: string;
  owner: string;
  modified_by: string;
  idx: number;
}

/** A stored document: the meta fields plus whatever fields its DocType holds (child tables are arrays of rows). */
export type ErpDoc = DocMeta & { [field: string]: unknown };

/** A row of a child table (`items`, `accounts`, `references`, `taxes`). */
export interface ChildRow {
  name: string;
  idx: number;
  doctype: string;
  parent: string;
  parentfield: string;
  parenttype: string;
  docstatus: DocStatus;
  [field: string]: unknown;
}

export interface ErpState {
  /** DocType → name → document. */
  docs: Record<string, Record<string, ErpDoc>>;
  /** Naming-series prefix (`SAL-ORD-2026-`) → last number used. */
  series: Record<string, number>;
}

/** A new ERP: no documents but its companies and their charts of accounts (sandbox/erp/chart.ts). */
export const initialErpState = (): ErpState => {
  const state: ErpState = { docs: {}, series: {} };
  seedChart(state, '2026-01-01 00:00:00.000000');
  return state;
};

/** The user every API-key request acts as. */
export const apiUser = 'Administrator';

/** Frappe datetimes, strictly increasing so `order_by=modified desc` is stable even within one millisecond. */
export class FrappeClock {
  private lastMicros = 0;

  now(): string {
    const micros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const date = new Date(Math.floor(micros / 1000));
    const fraction = String(micros % 1_000_000).padStart(6, '0');
    return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${fraction}`;
  }

  today(): string {
    return new Date().toISOString().slice(0, 10);
  }
}
