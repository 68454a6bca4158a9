import type { Response } from 'express';
import type { z } from 'zod';

/**
 * ShipBob answers validation problems as a map of field → messages (`{"reference_id": ["…"]}`), 400 for a malformed
 * request and 422 for one it understood but will not carry out.
 */
export class ShipBobError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(JSON.stringify(body));
    this.name = 'ShipBobError';
  }
}

export function sendShipBobError(res: Response, error: ShipBobError): void {
  res.status(error.status).json(error.body);
}

export function fieldErrors(status: 400 | 422, errors: Record<string, string[]>): ShipBobError {
  return new ShipBobError(status, errors);
}

export function notFound(what: string): ShipBobError {
  return new ShipBobError(404, { message: `${what} not found` });
}

/** zod issues as ShipBob's field → messages map, with ASP.NET's "The X field is required." for missing fields. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): ShipBobError {
  const errors: Record<string, string[]> = {};
  for (const issue of issues) {
    const key =
      issue.path.reduce<string>(
        (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
        '',
      ) || 'body';
    const isMissing = issue.code === 'invalid_type' && issue.input === undefined;
    const last = issue.path.at(-1);
    const message = isMissing ? `The ${typeof last === 'string' ? last : key} field is required.` : issue.message;
    (errors[key] ??= []).push(message);
  }
  return fieldErrors(400, errors);
}
