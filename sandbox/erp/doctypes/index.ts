import { customer } from './customer';
import type { DocTypeDefinition } from './definition';
import { journalEntry } from './journalEntry';
import { account, company, currencyExchange, glEntry } from './ledgerMasters';
import { paymentEntry } from './paymentEntry';
import { salesInvoice } from './salesInvoice';
import { salesOrder } from './salesOrder';

/** The DocTypes the sandbox ERPNext knows; any other answers 404 DoesNotExistError. */
export const docTypes: ReadonlyMap<string, DocTypeDefinition> = new Map(
  [company, account, currencyExchange, glEntry, customer, salesOrder, salesInvoice, paymentEntry, journalEntry].map(
    (d) => [d.doctype, d],
  ),
);

export type { DocContext, DocTypeDefinition, TableField } from './definition';
