import type { Request } from 'express';
import { invalidType, requiredField } from './errors';

/**
 * Money: Magento stores decimal(20,4). Arithmetic happens in integer ten-thousandths ("units") so sums never
 * drift; proportional shares are rounded to cents as Magento's PriceCurrency::round does.
 */
export const UNIT = 10_000;

export function toUnits(amount: number): number {
  return Math.round(amount * UNIT);
}

export function fromUnits(units: number): number {
  return units / UNIT;
}

export function roundCents(units: number): number {
  return Math.round(units / 100) * 100;
}

/** `part` of `remaining` spread over `available` (a quantity or an amount); the last part takes the remainder. */
export function proportion(remaining: number, part: number, available: number): number {
  if (available <= 0 || part >= available) return remaining;
  return roundCents((remaining * part) / available);
}

/** A stored decimal field in units; absent counts as zero. */
export function units(record: Record<string, unknown>, field: string): number {
  const value = record[field];
  return typeof value === 'number' ? toUnits(value) : 0;
}

export function setUnits(record: Record<string, unknown>, field: string, value: number): void {
  record[field] = fromUnits(value);
}

export function addUnits(record: Record<string, unknown>, field: string, value: number): void {
  record[field] = fromUnits(units(record, field) + value);
}

/** As Magento's `formatTxt` renders an amount in the order's base currency, e.g. `$10.00`. */
export function formatMoney(amountUnits: number, currency: string): string {
  const amount = fromUnits(amountUnits);
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A request object field that must be present and an object. */
export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) throw requiredField(field);
  if (!isObject(value)) throw invalidType(value, 'array');
  return value;
}

/** Magento casts numeric strings to the declared type and refuses anything else. */
export function optionalNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  throw invalidType(value, 'float');
}

export function optionalInt(value: unknown): number | undefined {
  const n = optionalNumber(value);
  if (n !== undefined && !Number.isInteger(n)) throw invalidType(value, 'int');
  return n;
}

export function optionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalidType(value, 'string');
}

/** Money input in units, rounded to Magento's four decimals. */
export function moneyUnits(value: unknown): number | undefined {
  const n = optionalNumber(value);
  return n === undefined ? undefined : toUnits(n);
}

/** Boolean-ish flags arrive as true/false, 1/0 or "1"/"0"; Magento stores them as 0/1. */
export function flag(value: unknown): number {
  return value === true || value === 1 || value === '1' || value === 'true' ? 1 : 0;
}

/** An integer path parameter; Magento refuses a non-integer id with a type error. */
export function intParam(req: Request, name: string): number {
  const raw: unknown = req.params[name];
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw invalidType(raw, 'int');
  return Number(raw);
}

/** Copies a caller's object without nulls (Magento omits null fields in its answers). */
export function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
