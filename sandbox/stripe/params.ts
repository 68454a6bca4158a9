import type { Request } from 'express';
import { invalidRequest, missingParam } from './errors';
import type { Metadata } from './types';

/** Stripe's form bodies arrive as nested strings (`metadata[order]=1` → `{metadata: {order: '1'}}`). */
export type Params = Record<string, unknown>;

export function paramsOf(req: Request): Params {
  const source = req.method === 'GET' || req.method === 'DELETE' ? req.query : req.body;
  return source && typeof source === 'object' ? (source as Params) : {};
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${name} must be a string.`, { param: name });
  return value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw missingParam(name);
  return value;
}

/** A string field where an empty value means "unset" (Stripe's way to clear a field). */
export function nullableString(params: Params, name: string): string | null | undefined {
  const value = optionalString(params, name);
  return value === '' ? null : value;
}

export function optionalInteger(params: Params, name: string, min = 0): number | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw invalidRequest(`Invalid integer: ${String(value)}`, { param: name });
  const text = String(value);
  if (!/^-?\d+$/.test(text)) throw invalidRequest(`Invalid integer: ${text}`, { param: name });
  const parsed = Number(text);
  if (!Number.isSafeInteger(parsed)) throw invalidRequest(`Invalid integer: ${text}`, { param: name });
  if (parsed < min) throw invalidRequest(`This value must be greater than or equal to ${min}.`, { param: name });
  return parsed;
}

export function requiredInteger(params: Params, name: string, min = 0): number {
  const value = optionalInteger(params, name, min);
  if (value === undefined) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${String(value)}`, { param: name });
}

export function optionalObject(params: Params, name: string): Params | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest(`Invalid object: ${name} must be a hash.`, { param: name });
  }
  return value as Params;
}

export function optionalEnum<T extends string>(params: Params, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalString(params, name);
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${allowed.join(', ')}`, { param: name });
  }
  return value as T;
}

/** Applies a `metadata` parameter: keys with empty values are removed, `metadata=''` clears everything. */
export function applyMetadata(current: Metadata, params: Params): Metadata {
  const value = params.metadata;
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('Invalid object: metadata must be a hash.', { param: 'metadata' });
  }
  const next = { ...current };
  for (const [key, raw] of Object.entries(value as Params)) {
    if (key.length > 40)
      throw invalidRequest(`Metadata key ${key} is longer than 40 characters.`, { param: `metadata[${key}]` });
    if (raw === '' || raw === null) delete next[key];
    else next[key] = String(raw);
  }
  if (Object.keys(next).length > 50) throw invalidRequest('Metadata can have at most 50 keys.', { param: 'metadata' });
  return next;
}

/** `expand[]=a&expand[]=b` (or `expand[0]=a`) from the query or body. */
export function expandPaths(req: Request): string[] {
  const raw = (req.query as Params).expand ?? (req.body as Params | undefined)?.expand;
  if (raw === undefined) return [];
  const values = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null ? Object.values(raw) : [raw];
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}
