import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';

// zod's RFC 5322 addr-spec (a dot-atom or quoted local part, a domain name or an IPv4 literal).
const addrSpec = z.string().regex(z.regexes.rfc5322Email);

/**
 * Why `text` is not exactly one bare address (RFC 5322 addr-spec) that nodemailer sends to as it is, or undefined when
 * it is one. The answer never quotes the text: it goes into failures, which are kept in history.
 *
 * nodemailer reads a recipient string as an address list, so `a@x, b@y` would go to two people, `Name <a@x>` to the
 * address inside, `g: a@x, b@y;` to a group; a CR or LF could start a header of its own.
 */
export function recipientProblem(text: string): string | undefined {
  if (/[\r\n]/.test(text)) return 'it contains a line break';
  if (/[,;]/.test(text)) return 'it contains a separator (, or ;): one address per recipient';
  if (/[<>]/.test(text)) return 'it has angle brackets (a display name): only the bare address is accepted';
  if (!addrSpec.safeParse(text).success) return 'it is not an e-mail address (local-part@domain, RFC 5322)';
  const parsed = addressparser(text);
  const only = parsed.length === 1 ? parsed[0] : undefined;
  if (!only || 'group' in only || only.name !== '' || only.address !== text)
    return 'nodemailer would read it as something other than this one address';
  return undefined;
}

/** A recipient refused before anything is sent: the address (a customer's, or one a run was given) is not one address. */
export class InvalidRecipient extends Error {
  override name = 'InvalidRecipient';
  readonly kind = 'bad_data' as const;
  constructor(readonly problem: string) {
    super(`not sent: the recipient is not one e-mail address (${problem}); correct it where it comes from, then retry`);
  }
}

/** The addresses of a comma-separated list such as MERCHANT_EMAIL, each trimmed; `problem` names the first bad one's position. */
export function recipientList(list: string): { addresses: string[]; problem?: string } {
  const addresses = list
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (addresses.length === 0) return { addresses, problem: 'no address given' };
  for (const [i, address] of addresses.entries()) {
    const problem = recipientProblem(address);
    if (problem) return { addresses, problem: `address ${i + 1}: ${problem}` };
  }
  return { addresses };
}
