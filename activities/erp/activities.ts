import {
  MappingError,
  type ErpCustomerInput,
  type ErpLine,
  type ErpSalesOrderInput,
  type ErpTax,
} from '../../domain/fulfilment';
import { formatMoney, fromMinor, toMinor } from '../../domain/money';
import { ExternalSystemError } from '../../integrations/http/errors';
import { likeContaining, likeStartingWith, type ErpClient, type FrappeDoc } from '../../integrations/erp/client';
import { conversionRateFor, convertMinor, splitReceipt, type Settlement } from '../../domain/settlement';
import { companyBooksReader, type CompanyBooks } from './companyBooks';
import { creditNoteLines, type InvoiceLines } from './creditNote';
import { beforeInvoiceRemark, createSalesOrderAmendment } from './salesOrderAmendment';

export interface ErpPaymentEntryInput {
  salesInvoice: string;
  customer: string;
  company: string;
  /** What the customer was charged (captured), in the order's currency. */
  amountMinor: number;
  currency: string;
  /** What the charge brought into the Stripe balance: the receipt books exactly this, in the settlement currency. */
  settlement?: Settlement;
  /** Stripe charge id. */
  referenceNo: string;
  date: string;
  /** The bank or clearing account the money arrived in. */
  paidTo: string;
}

export interface ErpCreditNoteInput {
  salesInvoice: string;
  /** Stripe refund id. */
  referenceNo: string;
  /** In the invoice's currency, tax included (what Stripe refunded). */
  amountMinor: number;
  date: string;
  /** Why, for the accountant (Stripe's refund reason, a Magento credit memo…). */
  reason?: string;
}

export interface ErpJournalEntryInput {
  /** What the entry books, e.g. a Stripe payout id; kept as the entry's `cheque_no`. */
  reference: string;
  date: string;
  company: string;
  accounts: Array<{ account: string; debitMinor: number; creditMinor: number }>;
  /** The company currency the amounts are in. */
  currency: string;
  remark?: string;
}

/** A booked Journal Entry as the ERP holds it, amounts in minor units of the currency asked for. */
export interface ErpJournalEntry {
  name: string;
  postingDate: string;
  accounts: Array<{ account: string; debitMinor: number; creditMinor: number }>;
}

export interface ErpRefundPaymentInput {
  /** The credit note (return Sales Invoice) the money pays back; none for a refund before the order was invoiced. */
  creditNote?: string;
  /** The order's increment id, for a refund paid back before its invoice (noted in the entry's remarks). */
  poNo?: string;
  customer: string;
  company: string;
  amountMinor: number;
  currency: string;
  /** Stripe refund id. */
  referenceNo: string;
  date: string;
  /** The bank or clearing account the money left from. */
  paidFrom: string;
  /** What the refund took out of the Stripe balance: the payment books exactly this, in the settlement currency. */
  settlement?: Settlement;
}

/** Where an order stands in the ERP: its submitted Sales Order and (once shipped) Sales Invoice. */
export interface ErpOrderDocs {
  salesOrder?: string;
  salesOrderCancelled?: boolean;
  salesInvoice?: string;
  customer?: string;
}

export interface CreatedDoc {
  name: string;
  created: boolean;
}

type Named = Pick<FrappeDoc, 'name'>;

/** How a credit note's `remarks` start: the refund id it books, ended by a full stop so `re_1` never finds `re_12`. */
export const creditNoteRemark = (refundId: string): string => `Stripe refund ${refundId}.`;

/**
 * ERPNext activities. Each looks for the document it would create (by a business key it stores on it) before
 * creating it, so a retry or a duplicate event finds the first one instead of booking twice.
 */
export function createErpActivities(erp: ErpClient) {
  async function first(
    doctype: string,
    filters: Array<[string, string, unknown]>,
    orderBy = 'creation asc',
  ): Promise<string | undefined> {
    const [found] = await erp.listDocs<Named>(doctype, { filters, fields: ['name'], limit: 1, orderBy });
    return found?.name;
  }

  async function deleteIfThere(customer: string): Promise<void> {
    try {
      await erp.deleteDoc('Customer', customer);
    } catch (err) {
      if (!(err instanceof ExternalSystemError && err.status === 404)) throw err;
    }
  }

  const companyBooks = companyBooksReader(erp);
  const amendment = createSalesOrderAmendment(erp, companyBooks);

  /**
   * The money side of a receipt or refund payment: the Stripe balance's amount in the settlement currency, which must
   * be the clearing account's, and that amount in the company's currency. Stripe settling in another currency than the
   * company keeps its books in needs a rate the product does not have: that is refused as a mapping to fix, not guessed.
   */
  /** The ERP's own rate (Currency Exchange) from one currency to another on or before a date. */
  async function erpRate(from: string, to: string, date: string): Promise<number | undefined> {
    const [found] = await erp.listDocs<{ exchange_rate: number }>('Currency Exchange', {
      filters: [
        ['from_currency', '=', from],
        ['to_currency', '=', to],
        ['date', '<=', date],
      ],
      fields: ['exchange_rate'],
      limit: 1,
      orderBy: 'date desc',
    });
    return found && Number(found.exchange_rate) > 0 ? Number(found.exchange_rate) : undefined;
  }

  /**
   * What a charge or refund moved in the Stripe balance (its balance transaction, in the settlement currency), and
   * that in the company's currency: the same when Stripe settles in it; otherwise at the ERP's own Currency Exchange
   * rate for the day, as ERPNext converts a payment into an account of another currency.
   */
  async function settledAmount(
    input: { amountMinor: number; currency: string; settlement?: Settlement; referenceNo: string; date: string },
    books: CompanyBooks,
  ): Promise<{ minor: number; currency: string; baseMinor: number; rate: number }> {
    const settlement = input.settlement;
    if (!settlement) {
      if (input.currency !== books.currency)
        throw new MappingError(
          `${input.referenceNo}: Stripe has no balance transaction for it yet, so what it settled for in ${books.currency} is unknown`,
        );
      const minor = minorUnits(input.amountMinor, 'amountMinor');
      return { minor, currency: input.currency, baseMinor: minor, rate: 1 };
    }
    const minor = Math.abs(minorUnits(settlement.amountMinor, 'settlement.amountMinor'));
    if (settlement.currency === books.currency)
      return { minor, currency: settlement.currency, baseMinor: minor, rate: 1 };
    const rate = await erpRate(settlement.currency, books.currency, input.date);
    if (rate === undefined)
      throw new MappingError(
        `${input.referenceNo}: Stripe settles in ${settlement.currency} but ERP company ${books.company} keeps its books in ` +
          `${books.currency}, and the ERP has no Currency Exchange rate from ${settlement.currency} to ${books.currency} on or before ${input.date}`,
      );
    const baseMinor = convertMinor(minor, settlement.currency, rate, books.currency);
    return { minor, currency: settlement.currency, baseMinor, rate };
  }

  /** What the order's refunds before its invoice paid back (their `Pay` entries), in the company currency. */
  async function paidBackBeforeInvoice(poNo: string, companyCurrency: string): Promise<number> {
    const paid = await erp.listDocs<{ base_paid_amount?: number; paid_amount: number }>('Payment Entry', {
      filters: [
        ['payment_type', '=', 'Pay'],
        ['docstatus', '=', 1],
        ['remarks', 'like', likeContaining(beforeInvoiceRemark(poNo))],
      ],
      fields: ['paid_amount', 'base_paid_amount'],
      limit: 0,
    });
    return paid.reduce((sum, p) => sum + toMinor(Number(p.base_paid_amount ?? p.paid_amount), companyCurrency), 0);
  }

  /** A Journal Entry, once per reference (`cheque_no`); debits and credits must be equal in minor units. */
  async function postJournalEntry(input: ErpJournalEntryInput): Promise<CreatedDoc> {
    const { currency } = input;
    const debitMinor = input.accounts.reduce((sum, row) => sum + minorUnits(row.debitMinor, 'debitMinor'), 0);
    const creditMinor = input.accounts.reduce((sum, row) => sum + minorUnits(row.creditMinor, 'creditMinor'), 0);
    if (debitMinor !== creditMinor) {
      throw new MappingError(
        `journal entry ${input.reference}: debits ${formatMoney(debitMinor, currency)} ≠ credits ` +
          `${formatMoney(creditMinor, currency)} (difference ${formatMoney(debitMinor - creditMinor, currency)}); nothing was posted`,
      );
    }
    const existing = await first('Journal Entry', [
      ['cheque_no', '=', input.reference],
      ['docstatus', '!=', 2],
    ]);
    if (existing) return { name: existing, created: false };
    const books = await companyBooks(input.company);
    const foreign = currency === books.currency ? undefined : await foreignRows(input, books);
    const rows =
      foreign ??
      input.accounts.map((row) => ({
        account: row.account,
        debit_in_account_currency: fromMinor(row.debitMinor, currency),
        credit_in_account_currency: fromMinor(row.creditMinor, currency),
      }));
    const doc = await erp.createDoc('Journal Entry', {
      voucher_type: 'Journal Entry',
      company: input.company,
      posting_date: input.date,
      cheque_no: input.reference,
      cheque_date: input.date,
      user_remark: input.remark ?? input.reference,
      ...(foreign ? { multi_currency: 1 } : {}),
      accounts: rows,
      docstatus: 1,
    });
    return { name: doc.name, created: true };
  }

  /**
   * A journal in another currency than the company's (a payout or dispute in Stripe's settlement currency): rows on
   * accounts in that currency at the ERP's own rate for the day, rows on the company's accounts converted at it, and
   * the rounding of the conversions (debits and credits must be equal in the company's currency) on exchange gain/loss.
   */
  async function foreignRows(
    input: ErpJournalEntryInput,
    books: CompanyBooks,
  ): Promise<Array<Record<string, unknown>> | undefined> {
    const { currency } = input;
    const currencies = new Map<string, string>();
    for (const { account } of input.accounts) {
      if (currencies.has(account)) continue;
      const found = await erp.getDoc<FrappeDoc & { account_currency?: string }>('Account', account);
      currencies.set(account, String(found.account_currency ?? books.currency).toUpperCase());
    }
    // No mapped account in the entry's currency: it goes at face value, as before (docs/books.md, "Not yet").
    if (![...currencies.values()].includes(currency)) return undefined;
    const rate = await erpRate(currency, books.currency, input.date);
    if (rate === undefined)
      throw new MappingError(
        `journal entry ${input.reference} is in ${currency} but ERP company ${books.company} keeps its books in ` +
          `${books.currency}, and the ERP has no Currency Exchange rate from ${currency} to ${books.currency} on or before ${input.date}`,
      );
    let baseBalanceMinor = 0;
    const rows = input.accounts.map((row) => {
      const accountCurrency = currencies.get(row.account)!;
      if (accountCurrency !== currency && accountCurrency !== books.currency)
        throw new MappingError(
          `journal entry ${input.reference}: account ${row.account} is in ${accountCurrency}, neither the entry's ${currency} nor the company's ${books.currency}`,
        );
      const inAccount = (minor: number) =>
        accountCurrency === currency ? minor : convertMinor(minor, currency, rate, books.currency);
      const debit = inAccount(row.debitMinor);
      const credit = inAccount(row.creditMinor);
      const toBase = (minor: number) =>
        accountCurrency === currency ? convertMinor(minor, currency, rate, books.currency) : minor;
      baseBalanceMinor += toBase(debit) - toBase(credit);
      return {
        account: row.account,
        account_currency: accountCurrency,
        exchange_rate: accountCurrency === currency ? rate : 1,
        debit_in_account_currency: fromMinor(debit, accountCurrency),
        credit_in_account_currency: fromMinor(credit, accountCurrency),
      };
    });
    if (baseBalanceMinor === 0) return rows;
    if (!books.exchangeGainLossAccount)
      throw new MappingError(
        `ERP company ${books.company} has no exchange gain/loss account for the rounding of ${input.reference}`,
      );
    return [
      ...rows,
      {
        account: books.exchangeGainLossAccount,
        exchange_rate: 1,
        debit_in_account_currency: fromMinor(Math.max(0, -baseBalanceMinor), books.currency),
        credit_in_account_currency: fromMinor(Math.max(0, baseBalanceMinor), books.currency),
        user_remark: conversionRoundingRemark,
        ...(books.costCenter ? { cost_center: books.costCenter } : {}),
      },
    ];
  }

  /** A deduction row booking an exchange difference (in the company currency) to the company's gain/loss account. */
  function exchangeDeduction(books: CompanyBooks, differenceMinor: number, what: string) {
    if (differenceMinor === 0) return [];
    if (!books.exchangeGainLossAccount)
      throw new MappingError(`ERP company ${books.company} has no exchange gain/loss account to book ${what} to`);
    return [
      {
        account: books.exchangeGainLossAccount,
        cost_center: books.costCenter,
        amount: fromMinor(differenceMinor, books.currency),
        is_exchange_gain_loss: 1,
        description: `Exchange ${differenceMinor > 0 ? 'loss' : 'gain'} on ${what}`,
      },
    ];
  }

  return {
    ...amendment,

    /**
     * Looks for a Customer with the buyer's e-mail (`email_id`, trimmed and lower-cased) before creating one, and
     * converges after creating: ERPNext neither keeps `email_id` unique nor takes a name from the caller, so when two
     * orders create the customer at once, the oldest Customer with that e-mail is the one, and a later one this call
     * made is deleted. Returns the Customer's name.
     */
    async upsertErpCustomer(input: ErpCustomerInput): Promise<string> {
      const email = normalisedEmail(input.email_id);
      const oldest = () => first('Customer', [['email_id', '=', email]], 'creation asc, name asc');
      const existing = await oldest();
      if (existing) return existing;
      let created: string | undefined;
      try {
        created = (await erp.createDoc('Customer', { ...input, email_id: email })).name;
      } catch (err) {
        // 409 DuplicateEntryError: a concurrent insert took the same name (Frappe names a Customer after customer_name).
        if (!(err instanceof ExternalSystemError && err.status === 409)) throw err;
        const winner = await oldest();
        if (!winner) throw err;
        return winner;
      }
      const winner = (await oldest()) ?? created;
      if (winner !== created) await deleteIfThere(created);
      return winner;
    },

    /** Looks for a Sales Order with the same `po_no` that is not cancelled before creating (and submitting) one. */
    async createErpSalesOrder(input: ErpSalesOrderInput): Promise<CreatedDoc> {
      const existing = await first('Sales Order', [
        ['po_no', '=', input.po_no],
        ['docstatus', '!=', 2],
      ]);
      if (existing) return { name: existing, created: false };
      const { items, taxes, settlement, ...header } = input;
      const books = await companyBooks(input.company);
      const rate = conversionRateFor(input.currency, books.currency, settlement);
      return {
        name: (
          await erp.createDoc('Sales Order', {
            ...header,
            ...(rate ? { conversion_rate: rate } : {}),
            items: erpItems(items, input.currency),
            taxes: erpTaxes(taxes, input.currency),
          })
        ).name,
        created: true,
      };
    },

    /**
     * Cancels only Sales Orders with this `po_no` that are still submitted (none left, nothing to do), and the
     * payments of refunds made before the order was invoiced: a reversed order books none of its money in the ERP.
     * Returns the names it cancelled.
     */
    async cancelErpSalesOrder(poNo: string): Promise<string[]> {
      const submitted = await erp.listDocs<Named>('Sales Order', {
        filters: [
          ['po_no', '=', poNo],
          ['docstatus', '=', 1],
        ],
        fields: ['name'],
        limit: 0,
      });
      const cancelled: string[] = [];
      for (const { name } of submitted) {
        try {
          await erp.cancelDoc('Sales Order', name);
          cancelled.push(name);
        } catch (err) {
          // A concurrent run may have cancelled it between the list and the cancel.
          if ((await erp.getDoc('Sales Order', name)).docstatus !== 2) throw err;
        }
      }
      return [...cancelled, ...(await amendment.cancelPaymentsBeforeInvoice(poNo))];
    },

    /**
     * Looks for a Payment Entry carrying the Stripe charge id as `reference_no` before creating one; allocates it to
     * the invoice up to what is still outstanding (any rest stays unallocated, as an advance).
     */
    async createErpPaymentEntry(input: ErpPaymentEntryInput): Promise<CreatedDoc> {
      const existing = await first('Payment Entry', [
        ['reference_no', '=', input.referenceNo],
        ['docstatus', '!=', 2],
      ]);
      if (existing) return { name: existing, created: false };
      const invoice = await erp.getDoc('Sales Invoice', input.salesInvoice);
      const books = await companyBooks(input.company);
      const received = await settledAmount(input, books);
      const owedIn = String(invoice.party_account_currency ?? books.currency);
      const converted = String(invoice.currency) !== books.currency;
      const split = splitReceipt({
        receivedMinor: received.baseMinor,
        outstandingMinor: toMinor(Number(invoice.outstanding_amount ?? 0), owedIn),
        invoiceOrderMinor: toMinor(Number(invoice.grand_total ?? 0), String(invoice.currency)),
        chargeOrderMinor: minorUnits(input.amountMinor, 'amountMinor'),
        converted,
        ...(converted && invoice.po_no
          ? { paidBackBeforeInvoiceMinor: await paidBackBeforeInvoice(String(invoice.po_no), books.currency) }
          : {}),
      });
      const doc = await erp.createDoc('Payment Entry', {
        payment_type: 'Receive',
        party_type: 'Customer',
        party: input.customer,
        company: input.company,
        posting_date: input.date,
        paid_to: input.paidTo,
        paid_to_account_currency: received.currency,
        // The customer's side in the company's currency; the clearing account's in the settlement currency, at its rate.
        paid_amount: fromMinor(received.baseMinor, books.currency),
        received_amount: fromMinor(received.minor, received.currency),
        source_exchange_rate: 1,
        target_exchange_rate: received.rate,
        reference_no: input.referenceNo,
        reference_date: input.date,
        references:
          split.allocatedMinor > 0
            ? [
                {
                  reference_doctype: 'Sales Invoice',
                  reference_name: input.salesInvoice,
                  allocated_amount: fromMinor(split.allocatedMinor, books.currency),
                },
              ]
            : [],
        deductions: exchangeDeduction(books, split.exchangeDifferenceMinor, `Stripe charge ${input.referenceNo}`),
        docstatus: 1,
      });
      return { name: doc.name, created: true };
    },

    /**
     * Looks for a return against the invoice whose `remarks` start with the Stripe refund id before creating one: a
     * submitted return Sales Invoice (`is_return`, `return_against`) for exactly the refunded amount.
     */
    async createErpCreditNote(input: ErpCreditNoteInput): Promise<CreatedDoc> {
      const remarks = creditNoteRemark(input.referenceNo);
      const returnsFilter: Array<[string, string, unknown]> = [
        ['is_return', '=', 1],
        ['return_against', '=', input.salesInvoice],
      ];
      const existing = await first('Sales Invoice', [
        ...returnsFilter,
        ['remarks', 'like', likeStartingWith(remarks)],
        ['docstatus', '!=', 2],
      ]);
      if (existing) return { name: existing, created: false };

      const invoice = await erp.getDoc('Sales Invoice', input.salesInvoice);
      const earlier = await erp.listDocs<Named>('Sales Invoice', {
        filters: [...returnsFilter, ['docstatus', '=', 1]],
        fields: ['name'],
        limit: 0,
      });
      const earlierReturns = await Promise.all(earlier.map(({ name }) => erp.getDoc('Sales Invoice', name)));
      const currency = String(invoice.currency);
      const lines = creditNoteLines(
        invoiceLines(invoice),
        earlierReturns.map(invoiceLines),
        minorUnits(input.amountMinor, 'amountMinor'),
        `credit note for ${input.referenceNo}`,
      );
      const doc = await erp.createDoc('Sales Invoice', {
        is_return: 1,
        return_against: input.salesInvoice,
        customer: invoice.customer,
        company: invoice.company,
        currency,
        // ERPNext's make_return_doc keeps the invoice's rate: the sale is reversed at what it was booked at.
        ...(invoice.conversion_rate ? { conversion_rate: invoice.conversion_rate } : {}),
        po_no: invoice.po_no,
        set_posting_time: 1,
        posting_date: input.date,
        due_date: input.date,
        remarks: input.reason ? `${remarks} ${input.reason}` : remarks,
        items: erpItems(lines.items, currency),
        taxes: erpTaxes(lines.taxes, currency),
        docstatus: 1,
      });
      return { name: doc.name, created: true };
    },

    /**
     * Notes a subscriber's state on the ERP Customer with that e-mail (its `customer_details`), unless it already says
     * so; a customer the ERP does not have yet (no order booked) has nothing to note.
     */
    async noteErpSubscriber(input: { email: string; note: string }): Promise<{ customer?: string; changed: boolean }> {
      const [customer] = await erp.listDocs<Named & { customer_details?: string }>('Customer', {
        filters: [['email_id', '=', normalisedEmail(input.email)]],
        fields: ['name', 'customer_details'],
        limit: 1,
        orderBy: 'creation asc',
      });
      if (!customer) return { changed: false };
      if (customer.customer_details === input.note) return { customer: customer.name, changed: false };
      await erp.updateDoc('Customer', customer.name, { customer_details: input.note });
      return { customer: customer.name, changed: true };
    },

    /** Read-only: the order's Sales Order and its (non-return) Sales Invoice, by `po_no`. */
    async erpDocsOfOrder(poNo: string): Promise<ErpOrderDocs> {
      const [invoice] = await erp.listDocs<Named & { customer?: string }>('Sales Invoice', {
        filters: [
          ['po_no', '=', poNo],
          ['docstatus', '=', 1],
          ['is_return', '=', 0],
        ],
        fields: ['name', 'customer'],
        limit: 1,
        orderBy: 'creation asc',
      });
      const orders = await erp.listDocs<Named & { docstatus?: number; customer?: string }>('Sales Order', {
        filters: [['po_no', '=', poNo]],
        fields: ['name', 'docstatus', 'customer'],
        limit: 0,
        orderBy: 'creation asc',
      });
      const live = orders.find((o) => o.docstatus === 1);
      return {
        ...(live
          ? { salesOrder: live.name }
          : orders[0]
            ? { salesOrder: orders[0].name, salesOrderCancelled: orders[0].docstatus === 2 }
            : {}),
        ...(invoice ? { salesInvoice: invoice.name } : {}),
        ...((invoice?.customer ?? live?.customer) ? { customer: invoice?.customer ?? live?.customer } : {}),
      };
    },

    /**
     * Looks for a Payment Entry carrying the Stripe refund id as `reference_no` before creating one: money paid back
     * to the customer (`Pay`), allocated against the credit note so that it is settled.
     */
    async createErpRefundPayment(input: ErpRefundPaymentInput): Promise<CreatedDoc> {
      const existing = await first('Payment Entry', [
        ['reference_no', '=', input.referenceNo],
        ['docstatus', '!=', 2],
      ]);
      if (existing) return { name: existing, created: false };
      const books = await companyBooks(input.company);
      const paid = await settledAmount(input, books);
      const common = {
        payment_type: 'Pay',
        party_type: 'Customer',
        party: input.customer,
        company: input.company,
        posting_date: input.date,
        paid_from: input.paidFrom,
        paid_from_account_currency: paid.currency,
        // The clearing account's side in the settlement currency, at its rate; the customer's in the company's.
        paid_amount: fromMinor(paid.minor, paid.currency),
        received_amount: fromMinor(paid.baseMinor, books.currency),
        source_exchange_rate: paid.rate,
        target_exchange_rate: 1,
        reference_no: input.referenceNo,
        reference_date: input.date,
        docstatus: 1,
      };
      if (!input.creditNote) {
        // Before the invoice: the Sales Order was amended; the payment stays unallocated, against the charge received.
        if (!input.poNo)
          throw new MappingError(
            `refund payment ${input.referenceNo}: neither a credit note nor the order it was paid back on`,
          );
        const remarks = `${creditNoteRemark(input.referenceNo)} Paid back ${beforeInvoiceRemark(input.poNo)}; its Sales Order was amended.`;
        return {
          name: (await erp.createDoc('Payment Entry', { ...common, remarks, references: [] })).name,
          created: true,
        };
      }
      // The customer is owed on the credit note itself (`update_outstanding_for_self`) or, as ERPNext posts it by
      // default, on the invoice it returns against; the payment settles whichever carries the negative outstanding.
      const note = await erp.getDoc('Sales Invoice', input.creditNote);
      const owedOn =
        Number(note.update_outstanding_for_self ?? 0) === 1 || !note.return_against
          ? input.creditNote
          : String(note.return_against);
      const owing = owedOn === input.creditNote ? note : await erp.getDoc('Sales Invoice', owedOn);
      const owedIn = String(owing.party_account_currency ?? books.currency);
      const owedMinor = Math.max(0, -toMinor(Number(owing.outstanding_amount ?? 0), owedIn));
      // What this refund's credit note took off the customer's account, at the invoice's rate, in the company currency.
      const noteMinor = Math.abs(toMinor(Number(note.base_grand_total ?? note.grand_total ?? 0), books.currency));
      const converted = String(note.currency) !== books.currency;
      const allocatedMinor = converted ? Math.min(owedMinor, noteMinor) : Math.min(paid.baseMinor, owedMinor);
      const doc = await erp.createDoc('Payment Entry', {
        ...common,
        references:
          allocatedMinor > 0
            ? [
                {
                  reference_doctype: 'Sales Invoice',
                  reference_name: owedOn,
                  allocated_amount: -fromMinor(allocatedMinor, books.currency),
                },
              ]
            : [],
        // Paid back at today's rate, credited at the invoice's: the difference is an exchange gain or loss.
        deductions: converted
          ? exchangeDeduction(books, paid.baseMinor - allocatedMinor, `Stripe refund ${input.referenceNo}`)
          : [],
      });
      return { name: doc.name, created: true };
    },

    /**
     * A refund that failed after it was booked: cancels its credit note and refund payment (found by the refund id),
     * payment first. Returns what it cancelled; nothing booked, nothing to do.
     */
    async cancelErpRefund(input: { refundId: string; salesInvoice?: string }): Promise<string[]> {
      const cancelled: string[] = [];
      const payment = await first('Payment Entry', [
        ['reference_no', '=', input.refundId],
        ['docstatus', '=', 1],
      ]);
      if (payment) {
        await erp.cancelDoc('Payment Entry', payment);
        cancelled.push(payment);
      }
      const note =
        input.salesInvoice &&
        (await first('Sales Invoice', [
          ['is_return', '=', 1],
          ['return_against', '=', input.salesInvoice],
          ['remarks', 'like', likeStartingWith(creditNoteRemark(input.refundId))],
          ['docstatus', '=', 1],
        ]));
      if (note) {
        await erp.cancelDoc('Sales Invoice', note);
        cancelled.push(note);
      }
      return cancelled;
    },

    /**
     * Looks for a Journal Entry with the reference as its `cheque_no` before posting one. An entry whose debits and
     * credits differ (compared in integer minor units) is refused here, without calling ERPNext.
     */
    async postErpJournalEntry(input: ErpJournalEntryInput): Promise<CreatedDoc> {
      return postJournalEntry(input);
    },

    /**
     * A reversed order whose charge and refunds were converted one by one: what they left in the Stripe clearing
     * account (a minor unit or two of rounding) goes to the company's exchange gain/loss account, once (`reference`).
     * `residueMinor` > 0: Stripe kept more than it paid back, a gain; < 0 a loss.
     */
    async postExchangeResidue(input: {
      reference: string;
      company: string;
      currency: string;
      residueMinor: number;
      clearingAccount: string;
      date: string;
      remark: string;
    }): Promise<CreatedDoc | undefined> {
      const residue = minorUnits(input.residueMinor, 'residueMinor');
      if (residue === 0) return undefined;
      const books = await companyBooks(input.company);
      if (!books.exchangeGainLossAccount)
        throw new MappingError(
          `ERP company ${books.company} has no exchange gain/loss account to book ${input.remark} to`,
        );
      const amount = Math.abs(residue);
      return postJournalEntry({
        reference: input.reference,
        date: input.date,
        company: input.company,
        currency: input.currency,
        remark: input.remark,
        accounts:
          residue > 0
            ? [
                { account: input.clearingAccount, debitMinor: amount, creditMinor: 0 },
                { account: books.exchangeGainLossAccount, debitMinor: 0, creditMinor: amount },
              ]
            : [
                { account: books.exchangeGainLossAccount, debitMinor: amount, creditMinor: 0 },
                { account: input.clearingAccount, debitMinor: 0, creditMinor: amount },
              ],
      });
    },

    /** Read-only: the submitted Journal Entry whose `cheque_no` is the reference, its rows in minor units; null when there is none. */
    async findErpJournalEntry(input: { reference: string; currency: string }): Promise<ErpJournalEntry | null> {
      const name = await first('Journal Entry', [
        ['cheque_no', '=', input.reference],
        ['docstatus', '=', 1],
      ]);
      if (!name) return null;
      const doc = await erp.getDoc<FrappeDoc & { posting_date?: string; accounts?: Array<Record<string, unknown>> }>(
        'Journal Entry',
        name,
      );
      const rows = (doc.accounts ?? []).filter((row) => row.user_remark !== conversionRoundingRemark);
      // A journal in another currency than the company's: rows on the company's accounts back at the entry's rate.
      const entryRate = Number(rows.find((row) => row.account_currency === input.currency)?.exchange_rate ?? 1);
      const inEntryCurrency = (row: Record<string, unknown>, field: string) => {
        const accountCurrency = String(row.account_currency ?? input.currency);
        const minor = toMinor(Number(row[`${field}_in_account_currency`] ?? row[field] ?? 0), accountCurrency);
        return accountCurrency === input.currency
          ? minor
          : convertMinor(minor, accountCurrency, 1 / entryRate, input.currency);
      };
      return {
        name,
        postingDate: String(doc.posting_date ?? ''),
        accounts: rows.map((row) => ({
          account: String(row.account),
          debitMinor: inEntryCurrency(row, 'debit'),
          creditMinor: inEntryCurrency(row, 'credit'),
        })),
      };
    },
  };
}

export type ErpActivities = ReturnType<typeof createErpActivities>;

/** Marks the row a journal in another currency adds for the rounding of its conversions. */
const conversionRoundingRemark = 'rounding of the conversion into the company currency';

/** E-mail addresses compare trimmed and case-insensitively (as ERPNext's MariaDB collation compares them too). */
export function normalisedEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Money reaches these activities in integer minor units and leaves as ERPNext's decimals here. An input without them
 * is refused as bad data, so the run parks instead of booking a guess.
 */
function minorUnits(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new MappingError(`ERP input: ${field} must be an integer amount in minor units, got ${String(value)}`);
  return value;
}

function erpItems(lines: ErpLine[], currency: string): Array<Omit<ErpLine, 'rateMinor'> & { rate: number }> {
  return lines.map(({ rateMinor, ...line }) => ({
    ...line,
    rate: fromMinor(minorUnits(rateMinor, 'rateMinor'), currency),
  }));
}

function erpTaxes(taxes: ErpTax[], currency: string): Array<Omit<ErpTax, 'taxMinor'> & { tax_amount: number }> {
  return taxes.map(({ taxMinor, ...tax }) => ({
    ...tax,
    tax_amount: fromMinor(minorUnits(taxMinor, 'taxMinor'), currency),
  }));
}

function invoiceLines(doc: FrappeDoc): InvoiceLines {
  const rows = (field: string): Array<Record<string, unknown>> =>
    Array.isArray(doc[field]) ? (doc[field] as Array<Record<string, unknown>>) : [];
  return {
    name: doc.name,
    currency: String(doc.currency),
    items: rows('items').map((row) => ({
      item_code: String(row.item_code),
      item_name: typeof row.item_name === 'string' ? row.item_name : undefined,
      qty: Number(row.qty ?? 0),
      rate: Number(row.rate ?? 0),
    })),
    taxes: rows('taxes').map((row) => ({
      account_head: String(row.account_head),
      tax_amount: Number(row.tax_amount ?? 0),
    })),
  };
}
