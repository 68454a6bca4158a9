import { formatMoney, normalizeCurrency } from './money';

/**
 * One order's money as every system sees it, and why they differ. Stripe holds the money: what it kept (paid, less
 * refunds that succeeded and disputes lost) is compared with what each system booked, and every difference is given
 * an amount and a sentence, so that the amounts against a system add up to exactly its balance.
 */

/** A captured (or authorised-only) charge; `capturedMinor` 0 while only authorised. */
export interface LedgerCharge {
  id: string;
  currency: string;
  amountMinor: number;
  capturedMinor: number;
  status: 'succeeded' | 'pending' | 'failed';
  /** What reached the Stripe balance (its balance transaction), when Stripe settled it in another currency. */
  settled?: Settled;
}

/** A movement's balance transaction: positive, in minor units of the settlement currency. */
export interface Settled {
  amountMinor: number;
  currency: string;
}

export interface LedgerRefund {
  id: string;
  currency: string;
  amountMinor: number;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
  failureReason?: string;
  /** The order run's own refund, made while reversing the order (its documents are that run's). */
  reversesOrder?: boolean;
  settled?: Settled;
}

export interface LedgerDispute {
  id: string;
  currency: string;
  amountMinor: number;
  /** Stripe's dispute fees on its balance transactions, net (a won dispute may give the fee back). */
  feeMinor: number;
  status: string;
  /** The withdrawal from the Stripe balance. */
  settled?: Settled;
}

/** A document a system booked: money in (an invoice, a payment received) or out (a credit memo, a payment back). */
export interface BookedDocument {
  /** How a person finds it: `credit memo 5`, `ERP Sales Invoice ACC-SINV-2026-00001`. */
  label: string;
  direction: 'in' | 'out';
  /** Positive, in minor units. */
  amountMinor: number;
  currency: string;
  /** The Stripe object it records (`ch_…`, `re_…`, `dp_…`), when the document says. */
  stripeRef?: string;
}

export type LedgerSystem = 'magento' | 'erp' | 'erp_payments';

/** What is known about the order's progress, for the words of an explanation. */
export interface LedgerContext {
  /** The order run's step and outcome, when a run is known. */
  orderStep?: string;
  orderOutcome?: string;
  /** Magento shipped it, or the WMS did. */
  shipped?: boolean;
  erpSalesOrderCancelled?: boolean;
  /** Each refund run's step (and its review reason while parked), by refund id. */
  refundRuns?: Record<string, { step?: string; reviewReason?: string }>;
}

export interface LedgerInput {
  /** The order's currency (Magento's); the first charge's when Magento is not known. */
  currency?: string;
  /** Undefined when Stripe could not be read: then nothing is compared. */
  stripe?: { charges: LedgerCharge[]; refunds: LedgerRefund[]; disputes: LedgerDispute[] };
  /** Each system's documents; a system left out could not be read (its balance is then null). */
  books: Partial<Record<LedgerSystem, BookedDocument[]>>;
  context?: LedgerContext;
}

export interface LedgerDifference {
  against: LedgerSystem;
  amountMinor: number;
  explanation: string;
}

export interface OrderMoney {
  /** The order's currency: every amount below is in it, but the ERP payments'. */
  currency: string | null;
  /**
   * The ERP payments' currency: Stripe's settlement currency when the ERP books what reached the Stripe balance in
   * another currency than the order's (docs/books.md); then `receivedInErpMinor`, `paidBackInErpMinor`,
   * `erpPaymentsBalanceMinor` and the differences against `erp_payments` are in it, compared with Stripe's balance
   * transactions.
   */
  erpPaymentsCurrency: string | null;
  /** Stripe: captured, refunds that succeeded, disputes lost (amount), dispute fees; null when Stripe could not be read. */
  paidMinor: number | null;
  refundedMinor: number | null;
  pendingRefundsMinor: number | null;
  disputedMinor: number | null;
  disputeFeesMinor: number | null;
  /** What Stripe kept for the order: paid − refunded − disputed. */
  netMinor: number | null;
  invoicedInMagentoMinor: number | null;
  creditedInMagentoMinor: number | null;
  invoicedInErpMinor: number | null;
  creditedInErpMinor: number | null;
  receivedInErpMinor: number | null;
  paidBackInErpMinor: number | null;
  /** net − (Magento invoiced − Magento credited): zero when Magento's books agree with the money. */
  balanceMinor: number | null;
  /** net − (ERP invoiced − ERP credit notes). */
  erpBalanceMinor: number | null;
  /** net − (ERP payments received − ERP payments back). */
  erpPaymentsBalanceMinor: number | null;
  /** Every difference; those against one system add up to exactly its balance. */
  differences: LedgerDifference[];
  /** The differences in words with their amounts, then notes that move no balance (a pending refund, an open dispute). */
  explanations: string[];
}

interface Movement {
  id: string;
  kind: 'charge' | 'refund' | 'dispute';
  direction: 'in' | 'out';
  amountMinor: number;
  /** Counts in Stripe's net: a captured charge, a refund that succeeded, a lost dispute. */
  effective: boolean;
  status: string;
  refund?: LedgerRefund;
  settled?: Settled;
}

const systemName: Record<LedgerSystem, string> = { magento: 'Magento', erp: 'ERP', erp_payments: 'ERP payments' };
const missing: Record<LedgerSystem, Record<'in' | 'out', string>> = {
  magento: { in: 'Magento has no invoice for it', out: 'Magento has no credit memo for it' },
  erp: { in: 'the ERP has no Sales Invoice for it', out: 'the ERP has no credit note for it' },
  erp_payments: { in: 'the ERP has no Payment Entry receiving it', out: 'the ERP has no Payment Entry paying it back' },
};

export function orderLedger(input: LedgerInput): OrderMoney {
  const currency = ledgerCurrency(input);
  const notes: string[] = [];
  const inCurrency = <T extends { currency: string; label?: string; id?: string }>(items: T[]): T[] =>
    items.filter((item) => {
      if (currency && normalizeCurrency(item.currency) === currency) return true;
      notes.push(
        `${item.label ?? item.id} is in ${normalizeCurrency(item.currency)}, the order in ${currency}: left out of the balances`,
      );
      return false;
    });
  const stripe = input.stripe && {
    charges: inCurrency(input.stripe.charges),
    refunds: inCurrency(input.stripe.refunds),
    disputes: inCurrency(input.stripe.disputes),
  };
  const paymentsCurrency = settlementCurrencyOf(input.books.erp_payments, currency);
  const books = Object.fromEntries(
    Object.entries(input.books).map(([system, docs]) => [
      system,
      system === 'erp_payments' && paymentsCurrency !== currency
        ? docs.filter((d) => normalizeCurrency(d.currency) === paymentsCurrency)
        : inCurrency(docs),
    ]),
  ) as LedgerInput['books'];
  const sum = (docs: BookedDocument[] | undefined, direction: 'in' | 'out') =>
    docs ? docs.filter((d) => d.direction === direction).reduce((total, d) => total + d.amountMinor, 0) : null;

  const movements = stripe ? movementsOf(stripe) : [];
  const netOf = (list: Movement[]) =>
    list.filter((m) => m.effective).reduce((t, m) => t + (m.direction === 'in' ? m.amountMinor : -m.amountMinor), 0);
  const netMinor = stripe ? netOf(movements) : null;
  const settledMovements =
    paymentsCurrency && paymentsCurrency !== currency ? settledIn(movements, paymentsCurrency, notes) : movements;
  const differences: LedgerDifference[] = [];
  const balanceOf = (system: LedgerSystem): number | null => {
    const docs = books[system];
    if (netMinor === null || !docs || !currency) return null;
    const [mine, systemCurrency] =
      system === 'erp_payments' ? [settledMovements, paymentsCurrency ?? currency] : [movements, currency];
    differences.push(...compare(system, mine, docs, input.context ?? {}, systemCurrency));
    return netOf(mine) - (sum(docs, 'in')! - sum(docs, 'out')!);
  };
  const balances = { magento: balanceOf('magento'), erp: balanceOf('erp'), erp_payments: balanceOf('erp_payments') };
  if (stripe && currency) notes.push(...stripeNotes(stripe, currency));

  const moneyOf = (system: LedgerSystem) => (minor: number) =>
    formatMoney(minor, (system === 'erp_payments' ? paymentsCurrency : currency) ?? 'XXX');
  const signed = (system: LedgerSystem, minor: number) =>
    minor > 0 ? `+${moneyOf(system)(minor)}` : moneyOf(system)(minor);
  return {
    currency,
    erpPaymentsCurrency: paymentsCurrency,
    paidMinor: stripe ? stripe.charges.reduce((t, c) => t + c.capturedMinor, 0) : null,
    refundedMinor: stripe
      ? stripe.refunds.filter((r) => r.status === 'succeeded').reduce((t, r) => t + r.amountMinor, 0)
      : null,
    pendingRefundsMinor: stripe ? stripe.refunds.filter(isPending).reduce((t, r) => t + r.amountMinor, 0) : null,
    disputedMinor: stripe
      ? stripe.disputes.filter((d) => d.status === 'lost').reduce((t, d) => t + d.amountMinor, 0)
      : null,
    disputeFeesMinor: stripe ? stripe.disputes.reduce((t, d) => t + d.feeMinor, 0) : null,
    netMinor,
    invoicedInMagentoMinor: sum(books.magento, 'in'),
    creditedInMagentoMinor: sum(books.magento, 'out'),
    invoicedInErpMinor: sum(books.erp, 'in'),
    creditedInErpMinor: sum(books.erp, 'out'),
    receivedInErpMinor: sum(books.erp_payments, 'in'),
    paidBackInErpMinor: sum(books.erp_payments, 'out'),
    balanceMinor: balances.magento,
    erpBalanceMinor: balances.erp,
    erpPaymentsBalanceMinor: balances.erp_payments,
    differences,
    explanations: [
      ...differences.map((d) => `${systemName[d.against]} ${signed(d.against, d.amountMinor)}: ${d.explanation}`),
      ...notes,
    ],
  };
}

/** The one currency the ERP's payments are booked in, when it is not the order's (Stripe settled elsewhere). */
function settlementCurrencyOf(docs: BookedDocument[] | undefined, currency: string | null): string | null {
  const currencies = new Set((docs ?? []).map((d) => normalizeCurrency(d.currency)));
  if (currencies.size === 1) return [...currencies][0]!;
  return currency;
}

/** The movements at what they did to the Stripe balance in that currency; one Stripe did not settle there is left out. */
function settledIn(movements: Movement[], currency: string, notes: string[]): Movement[] {
  return movements.flatMap((m) => {
    if (m.settled && normalizeCurrency(m.settled.currency) === currency)
      return [{ ...m, amountMinor: m.settled.amountMinor }];
    if (m.effective)
      notes.push(`${m.kind} ${m.id} has no balance transaction in ${currency}: left out of the ERP payments balance`);
    return [];
  });
}

function ledgerCurrency(input: LedgerInput): string | null {
  const first = input.currency ?? input.stripe?.charges[0]?.currency ?? Object.values(input.books).flat()[0]?.currency;
  return first ? normalizeCurrency(first) : null;
}

function isPending(refund: LedgerRefund): boolean {
  return refund.status === 'pending' || refund.status === 'requires_action';
}

function movementsOf(stripe: NonNullable<LedgerInput['stripe']>): Movement[] {
  return [
    ...stripe.charges.map((c): Movement => ({
      id: c.id,
      kind: 'charge',
      direction: 'in',
      amountMinor: c.capturedMinor || c.amountMinor,
      effective: c.capturedMinor > 0,
      status: c.capturedMinor > 0 ? 'captured' : c.status === 'succeeded' ? 'authorised only' : c.status,
      ...(c.settled ? { settled: c.settled } : {}),
    })),
    ...stripe.refunds.map((r): Movement => ({
      id: r.id,
      kind: 'refund',
      direction: 'out',
      amountMinor: r.amountMinor,
      effective: r.status === 'succeeded',
      status: r.status,
      refund: r,
      ...(r.settled ? { settled: r.settled } : {}),
    })),
    ...stripe.disputes.map((d): Movement => ({
      id: d.id,
      kind: 'dispute',
      direction: 'out',
      amountMinor: d.amountMinor,
      effective: d.status === 'lost',
      status: d.status,
      ...(d.settled ? { settled: d.settled } : {}),
    })),
  ];
}

/**
 * Pairs each document with the Stripe object it records: by the reference it carries, else an equal amount in the same
 * direction, else (money in only) the next charge. Every effective movement and every document counts exactly once.
 */
function compare(
  system: LedgerSystem,
  movements: Movement[],
  docs: BookedDocument[],
  context: LedgerContext,
  currency: string,
): LedgerDifference[] {
  const money = (minor: number) => formatMoney(minor, currency);
  const out: LedgerDifference[] = [];
  const add = (amountMinor: number, explanation: string) =>
    void (amountMinor !== 0 && out.push({ against: system, amountMinor, explanation }));
  const paired = new Map<Movement, BookedDocument>();
  const unpaired: BookedDocument[] = [];
  const describe = (m: Movement) => `${m.kind} ${m.id} (${money(m.amountMinor)})`;

  for (const doc of docs) {
    const target = doc.stripeRef
      ? movements.find((m) => m.id === doc.stripeRef && m.direction === doc.direction)
      : undefined;
    if (target && paired.has(target))
      add(
        doc.direction === 'in' ? -doc.amountMinor : doc.amountMinor,
        `${doc.label} (${money(doc.amountMinor)}) records ${target.kind} ${target.id} again: ${paired.get(target)!.label} already records it`,
      );
    else if (target) paired.set(target, doc);
    else unpaired.push(doc);
  }
  const free = (m: Movement) => m.effective && !paired.has(m);
  const pairWith = (find: (doc: BookedDocument) => Movement | undefined) => {
    // A document naming a Stripe object this order does not have is not paired with another one.
    for (const doc of unpaired.filter((d) => !d.stripeRef)) {
      const match = find(doc);
      if (!match) continue;
      paired.set(match, doc);
      unpaired.splice(unpaired.indexOf(doc), 1);
    }
  };
  pairWith((doc) =>
    movements.find((m) => free(m) && m.direction === doc.direction && m.amountMinor === doc.amountMinor),
  );
  pairWith((doc) => (doc.direction === 'in' ? movements.find((m) => free(m) && m.kind === 'charge') : undefined));

  for (const [m, doc] of paired) {
    const sign = m.direction === 'in' ? 1 : -1;
    if (m.effective) {
      const verb = m.kind === 'charge' ? 'captured' : m.kind === 'refund' ? 'refunded' : 'took back';
      add(
        sign * (m.amountMinor - doc.amountMinor),
        `${doc.label} is for ${money(doc.amountMinor)} but ${m.kind} ${m.id} ${verb} ${money(m.amountMinor)}`,
      );
    } else {
      add(
        -sign * doc.amountMinor,
        `${doc.label} (${money(doc.amountMinor)}) records ${m.kind} ${m.id}, ${notEffective(m)}`,
      );
    }
  }
  for (const doc of unpaired) {
    add(
      doc.direction === 'in' ? -doc.amountMinor : doc.amountMinor,
      doc.direction === 'in'
        ? `${doc.label} (${money(doc.amountMinor)}) has no captured Stripe charge`
        : `${doc.label} (${money(doc.amountMinor)}) has no Stripe refund${doc.stripeRef ? ` (it names ${doc.stripeRef}, which Stripe does not list for this order)` : ''}`,
    );
  }
  for (const m of movements.filter(free)) {
    add(
      m.direction === 'in' ? m.amountMinor : -m.amountMinor,
      `${describe(m)} ${succeeded(m)}, but ${missing[system][m.direction]}${why(system, m, context)}`,
    );
  }
  return out;
}

function succeeded(m: Movement): string {
  return m.kind === 'charge'
    ? 'was captured in Stripe'
    : m.kind === 'refund'
      ? 'succeeded in Stripe'
      : 'was lost: Stripe took the amount back';
}

function notEffective(m: Movement): string {
  if (m.kind === 'charge') return `which is ${m.status}: no money was taken`;
  if (m.kind === 'dispute')
    return `which is ${m.status === 'won' ? 'won: the money stayed' : `still open (${m.status})`}`;
  if (m.status === 'failed')
    return `which failed in Stripe${m.refund?.failureReason ? ` (${m.refund.failureReason})` : ''}: the customer was not paid back`;
  if (m.status === 'canceled') return 'which was canceled in Stripe: the customer was not paid back';
  return `which is ${m.status} in Stripe: the customer is not paid back yet`;
}

/** Why a system may not have booked a movement yet, from the order's progress. */
function why(system: LedgerSystem, m: Movement, context: LedgerContext): string {
  const reversed = context.orderOutcome === 'compensated' || context.erpSalesOrderCancelled;
  if (m.kind === 'charge') {
    if (reversed) return ' (the order was reversed)';
    if (system !== 'magento' && !context.shipped) return ': ERP invoice not yet created: order not shipped';
    return context.orderStep && !context.orderOutcome ? ` (the order's run is at "${context.orderStep}")` : '';
  }
  if (m.kind === 'refund') {
    if (m.refund?.reversesOrder) return ': it reversed the order, whose run credits it';
    const run = context.refundRuns?.[m.id];
    if (run?.reviewReason) return ` (its run is parked at "${run.step}": ${run.reviewReason})`;
    if (run?.step) return ` (its run is at "${run.step}")`;
    return system !== 'magento' && !context.shipped
      ? ': there is no ERP invoice to credit until the order ships'
      : ' (no refund run is known)';
  }
  return '';
}

function stripeNotes(stripe: NonNullable<LedgerInput['stripe']>, currency: string): string[] {
  const money = (minor: number) => formatMoney(minor, currency);
  return [
    ...stripe.charges
      .filter((c) => c.capturedMinor === 0 && c.status === 'succeeded')
      .map((c) => `charge ${c.id} (${money(c.amountMinor)}) is authorised, not captured: no money has moved yet`),
    ...stripe.refunds
      .filter(isPending)
      .map((r) => `refund ${r.id} (${money(r.amountMinor)}) is pending in Stripe: it is booked once it succeeds`),
    ...stripe.refunds
      .filter((r) => r.status === 'failed' || r.status === 'canceled')
      .map(
        (r) =>
          `refund ${r.id} (${money(r.amountMinor)}) ${r.status} in Stripe${r.failureReason ? ` (${r.failureReason})` : ''}: the customer was not paid back`,
      ),
    ...stripe.disputes.map((d) => {
      const fee = d.feeMinor !== 0 ? `, dispute fee ${money(d.feeMinor)}` : '';
      if (d.status === 'lost') return `dispute ${d.id} was lost: ${money(d.amountMinor)} taken back${fee}`;
      if (d.status === 'won') return `dispute ${d.id} was won: the ${money(d.amountMinor)} stayed${fee}`;
      return `dispute ${d.id} (${money(d.amountMinor)}) is open (${d.status}): Stripe holds the amount until it is decided${fee}`;
    }),
  ];
}
