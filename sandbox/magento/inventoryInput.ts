import { badRequest, MagentoError, requiredField } from './errors';
import type { SourceItem } from './types';
import { isObject } from './values';

/**
 * Reading MSI request bodies as Magento's ServiceInputProcessor does: a field the data interface has no getter for
 * is refused, values are cast to the declared type or refused with the field named, and a missing argument is
 * "required".
 */
export function noAccessor(field: string, className: string): MagentoError {
  const property = field
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return badRequest(`Property "${property}" does not have accessor method "get${property}" in class "${className}".`);
}

export function refuseUnknownFields(given: Record<string, unknown>, known: readonly string[], className: string): void {
  const unknown = Object.keys(given).find((field) => !known.includes(field));
  if (unknown !== undefined) throw noAccessor(unknown, className);
}

function typeError(field: string, value: unknown, type: string): MagentoError {
  const shown = Array.isArray(value) || isObject(value) ? 'array' : String(value);
  return badRequest(
    `Error occurred during "${field}" processing. Invalid type for value: "${shown}". Expected Type: "${type}".`,
  );
}

/** A scalar field cast as Magento's TypeProcessor casts it; undefined when absent or null. */
export function castField(
  given: Record<string, unknown>,
  field: string,
  type: 'string' | 'float' | 'int' | 'bool',
): string | number | boolean | undefined {
  const value = given[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') throw typeError(field, value, type);
  const text = String(value).trim();
  switch (type) {
    case 'string':
      return String(value);
    case 'float':
      if (typeof value === 'number' || /^-?\d+(\.\d+)?$/.test(text)) return Number(value);
      throw typeError(field, value, type);
    case 'int':
      if ((typeof value === 'number' && Number.isInteger(value)) || /^-?\d+$/.test(text)) return Number(value);
      throw typeError(field, value, type);
    case 'bool':
      if (value === true || value === 1 || text === '1' || text === 'true') return true;
      if (value === false || value === 0 || text === '0' || text === 'false' || text === '') return false;
      throw typeError(field, value, type);
  }
}

/** The list argument of a batch route (`sourceItems`, `links`): required, an array of objects. */
export function listArgument(body: unknown, name: string): Record<string, unknown>[] {
  const list = isObject(body) ? body[name] : undefined;
  if (list === undefined || list === null) throw requiredField(name);
  if (!Array.isArray(list)) throw typeError(name, list, 'array');
  if (list.length === 0) throw badRequest('Input data is empty');
  return list.map((entry) => (isObject(entry) ? entry : {}));
}

const sourceItemFields = ['sku', 'source_code', 'quantity', 'status', 'extension_attributes'] as const;
const sourceItemClass = 'Magento\\InventoryApi\\Api\\Data\\SourceItemInterface';

export interface ItemError {
  message: string;
  parameters: Record<string, string>;
}

/** A source item as given, cast; validation of its values is separate, as in Magento. */
export interface SourceItemInput {
  sku?: string;
  source_code?: string;
  quantity?: number;
  status?: number;
}

export function readSourceItem(given: Record<string, unknown>): SourceItemInput {
  refuseUnknownFields(given, sourceItemFields, sourceItemClass);
  return {
    sku: castField(given, 'sku', 'string') as string | undefined,
    source_code: castField(given, 'source_code', 'string') as string | undefined,
    quantity: castField(given, 'quantity', 'float') as number | undefined,
    status: castField(given, 'status', 'int') as number | undefined,
  };
}

const field = (message: string, name: string): ItemError => ({ message, parameters: { field: name } });

/** Magento's SourceItemValidatorChain: sku, source code, quantity, status, then status/quantity consistency. */
export function sourceItemErrors(item: SourceItemInput): ItemError[] {
  const errors: ItemError[] = [];
  if (!item.sku?.trim()) errors.push(field('"%field" can not be empty.', 'sku'));
  if (!item.source_code?.trim()) errors.push(field('"%field" can not be empty.', 'source_code'));
  else if (/\s/.test(item.source_code)) errors.push(field('"%field" can not contain whitespaces.', 'source_code'));
  if (item.quantity === undefined) errors.push(field('"%field" should be numeric.', 'quantity'));
  if (item.status === undefined) errors.push(field('"%field" should be numeric.', 'status'));
  else if (item.status !== 0 && item.status !== 1) errors.push(field('"%field" should a known status.', 'status'));
  if (item.quantity !== undefined && item.quantity <= 0 && item.status === 1)
    errors.push({
      message: 'Product cannot have "%status" "%in_stock" while product "%quantity" equals or below zero',
      parameters: { status: 'status', in_stock: 'In Stock', quantity: 'quantity' },
    });
  return errors;
}

/** Magento's ValidationException: one 400 for the whole batch, every item's errors listed. */
export class ValidationFailed extends MagentoError {
  constructor(readonly errors: ItemError[]) {
    super(400, 'Validation Failed');
  }

  override body(): { message: string; errors: ItemError[] } {
    return { message: this.message, errors: this.errors };
  }
}

export function validSourceItems(body: unknown): SourceItem[] {
  const items = listArgument(body, 'sourceItems').map(readSourceItem);
  const errors = items.flatMap(sourceItemErrors);
  if (errors.length > 0) throw new ValidationFailed(errors);
  return items.map((i) => ({
    sku: i.sku ?? '',
    source_code: i.source_code ?? '',
    quantity: i.quantity ?? 0,
    status: i.status ?? 0,
  }));
}
