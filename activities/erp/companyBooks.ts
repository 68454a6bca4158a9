import { MappingError } from '../../domain/fulfilment';
import type { ErpClient, FrappeDoc } from '../../integrations/erp/client';

/** What the ERP company keeps its books in and where it books exchange differences, read from its Company document. */
export interface CompanyBooks {
  company: string;
  /** `Company.default_currency`: the general ledger's currency. */
  currency: string;
  exchangeGainLossAccount: string;
  costCenter: string;
}

const keepMs = 5 * 60_000;

/**
 * Reads a company's books from the ERP, once per five minutes per worker: the currency never changes once the company
 * has transactions (ERPNext refuses it), and the accounts rarely do.
 */
export function companyBooksReader(erp: ErpClient): (company: string) => Promise<CompanyBooks> {
  const cache = new Map<string, { books: CompanyBooks; at: number }>();
  return async (company) => {
    const cached = cache.get(company);
    if (cached && Date.now() - cached.at < keepMs) return cached.books;
    const doc = await erp.getDoc<
      FrappeDoc & { default_currency?: string; exchange_gain_loss_account?: string; cost_center?: string }
    >('Company', company);
    if (!doc.default_currency)
      throw new MappingError(`ERP company ${company} has no default currency: its books cannot be kept`);
    const books: CompanyBooks = {
      company,
      currency: doc.default_currency.toUpperCase(),
      exchangeGainLossAccount: doc.exchange_gain_loss_account ?? '',
      costCenter: doc.cost_center ?? '',
    };
    cache.set(company, { books, at: Date.now() });
    return books;
  };
}
