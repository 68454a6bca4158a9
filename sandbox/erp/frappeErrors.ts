import type { Response } from 'express';

/**
 * An error as Frappe answers it: HTTP status from the exception class (`http_status_code`), the class name in
 * `exc_type`, `module.Class: text` in `exception`, and the user-facing messages JSON-encoded twice in
 * `_server_messages` (a JSON array of JSON objects, each `{message, title, indicator, raise_exception}`).
 */
export class FrappeError extends Error {
  constructor(
    readonly status: number,
    readonly excType: string,
    /** The text after `frappe.exceptions.<Class>: ` in `exception`. */
    readonly detail: string,
    readonly messages: readonly string[],
  ) {
    super(`${excType}: ${detail}`);
    this.name = 'FrappeError';
  }
}

export interface FrappeErrorBody {
  exc_type: string;
  exception: string;
  _server_messages?: string;
}

export function frappeErrorBody(error: FrappeError): FrappeErrorBody {
  const body: FrappeErrorBody = {
    exc_type: error.excType,
    exception: `frappe.exceptions.${error.excType}: ${error.detail}`,
  };
  if (error.messages.length > 0) {
    body._server_messages = JSON.stringify(
      error.messages.map((message) =>
        JSON.stringify({ message, title: 'Message', indicator: 'red', raise_exception: 1 }),
      ),
    );
  }
  return body;
}

export function sendFrappeError(res: Response, error: FrappeError): void {
  res.status(error.status).json(frappeErrorBody(error));
}

/** `frappe.ValidationError` and its subclasses all answer 417 Expectation Failed. */
export function validationError(message: string, excType = 'ValidationError'): FrappeError {
  return new FrappeError(417, excType, message, [message]);
}

export interface MissingField {
  fieldname: string;
  /** Child table row this field is missing from, when it is not on the document itself. */
  row?: { doctype: string; idx: number };
}

/** `frappe.MandatoryError`: `[Sales Order, SAL-ORD-2026-00001]: customer, delivery_date`, one message per field. */
export function mandatoryError(doctype: string, name: string, missing: readonly MissingField[]): FrappeError {
  const messages = missing.map((m) =>
    m.row
      ? `Error: ${m.row.doctype} Row #${m.row.idx}: Value missing for: ${fieldLabel(m.fieldname)}`
      : `Error: Value missing for ${doctype}: ${fieldLabel(m.fieldname)}`,
  );
  return new FrappeError(
    417,
    'MandatoryError',
    `[${doctype}, ${name}]: ${missing.map((m) => m.fieldname).join(', ')}`,
    messages,
  );
}

/** `frappe.DoesNotExistError`, 404: a document, or a whole DocType, that is not there. */
export function doesNotExist(doctype: string, name?: string): FrappeError {
  const message = name === undefined ? `DocType ${doctype} not found` : `${doctype} ${name} not found`;
  return new FrappeError(404, 'DoesNotExistError', message, [message]);
}

/** `frappe.LinkValidationError`: a Link field naming a document that does not exist. */
export function linkValidationError(doctype: string, name: string): FrappeError {
  return validationError(`Could not find ${doctype}: ${name}`, 'LinkValidationError');
}

/** `frappe.CancelledLinkError`: a Link field naming a cancelled document. */
export function cancelledLinkError(doctype: string, name: string): FrappeError {
  return validationError(`Cannot link cancelled document: ${doctype} ${name}`, 'CancelledLinkError');
}

/** `frappe.LinkExistsError`: a document still linked from a submitted one cannot be cancelled. */
export function linkExistsError(doctype: string, name: string, linkedDoctype: string, linkedName: string): FrappeError {
  return validationError(
    `Cannot delete or cancel because ${doctype} ${name} is linked with ${linkedDoctype} ${linkedName}`,
    'LinkExistsError',
  );
}

export function docstatusTransitionError(from: number, to: number): FrappeError {
  return validationError(`Cannot change docstatus from ${from} to ${to}`, 'DocstatusTransitionError');
}

/** Frappe's answer to a write its role may not make (a GL Entry written through the API). */
export function permissionError(doctype: string): FrappeError {
  return new FrappeError(403, 'PermissionError', `Insufficient Permission for ${doctype}`, [
    `Not permitted: ${doctype} is written by the accounting vouchers only`,
  ]);
}

export function authenticationError(): FrappeError {
  return new FrappeError(401, 'AuthenticationError', 'Invalid API key or secret', ['Invalid API key or secret']);
}

/** `delivery_date` → `Delivery Date`, close enough to the DocType's field label. */
export function fieldLabel(fieldname: string): string {
  return fieldname
    .split('_')
    .map((w) => (w === 'no' ? 'No' : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}
