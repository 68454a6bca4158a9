/**
 * Every patch in the workflow code, by id (docs/versioning.md). An id is `<release>:<what changed>`, for example
 * `1.1:invoice-from-amended-sales-order`: the change, and the release whose new runs take it. A patch goes through
 * three stages, each shipped in a release of its own once `npm run ops -- versions` shows it may:
 * - `patched`: the new branch inside `if (patched` + the id`)`; runs started before the release replay the old one;
 * - `deprecated`: `deprecatePatch` with the id, and the old branch deleted, once no open run of the type lacks the patch;
 * - deleted here and in the code, once no open run carries it and the namespace's retention has passed.
 * A change that reshapes a workflow (new steps, new state, another order of steps) is a new workflow type instead.
 * test/unit/patches.test.ts fails on a `patched`/`deprecatePatch` call whose id is not listed here at its stage.
 */
export interface PatchInfo {
  workflowType: string;
  /** What the new branch does differently, in a sentence. */
  changed: string;
  stage: 'patched' | 'deprecated';
}

export const patches: Record<string, PatchInfo> = {
  '1.1:renewal-orders-from-invoices': {
    workflowType: 'subscription',
    changed:
      'only the invoices subscriptions.orderFor names become orders (not plan changes, by default); the order run is ' +
      'paid by its invoice (a credit balance or a payment outside Stripe completes it); the order is written on the ' +
      'invoice and its PaymentIntent (o2c_renewal_order: none when there is none)',
    stage: 'patched',
  },
  '1.1:reversals-before-fulfilment': {
    workflowType: 'orderToCash',
    changed:
      'A payment fully refunded before the run reverses the order; a dispute opened before fulfilment holds the goods until it is decided; a reversal the run accepted wins over a shipment that arrives with it.',
    stage: 'patched',
  },
  '1.2:order-books-refunds-before-shipment': {
    workflowType: 'orderToCash',
    changed:
      'Every refund before shipment is booked by the order run (its credit memo naming it, its ERP credit), not by the ' +
      "refund's run, so refunds racing the order's reversal never credit twice or park for money already credited; a " +
      'full-refund reversal writes one memo per refund.',
    stage: 'patched',
  },
  '1.2:invoice-what-was-captured': {
    workflowType: 'orderToCash',
    changed:
      'A payment captured for less than was authorised is invoiced at what was captured: a Magento memo for the part ' +
      'never captured and the ERP Sales Order amended by it, so the ERP invoice and its receipt are the captured amount.',
    stage: 'patched',
  },
  '1.4:shipment-life-after-shipped': {
    workflowType: 'orderToCash',
    changed:
      "The warehouse's news after (or instead of) shipped is acted on: a cancellation before shipment reverses the " +
      'order, a hold or an exception tells the merchant and parks the run until it clears, and after closing the run ' +
      'waits (order.deliveryWaitMax) for the delivery, written on the Magento order as a comment.',
    stage: 'patched',
  },
};

export const patchIdPattern = /^\d+\.\d+:[a-z0-9]+(-[a-z0-9]+)*$/;
