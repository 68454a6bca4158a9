/** What a notice says, from the workflow's template name; the body is plain text. */
export interface NoticeFacts {
  template: string;
  subject: string;
  orderId?: string;
  detail?: string;
}

type Render = (order: string, detail: string | undefined) => string;

const humanize = (code: string): string => code.replace(/_/g, ' ');

const templates: Record<string, Render> = {
  payment_failed: (order, detail) =>
    `We could not take the payment for your order ${order}${detail ? ` (the bank said: ${humanize(detail)})` : ''}. ` +
    'Please pay again with another card, or ask your bank to allow the payment; if no payment arrives, the order will be cancelled.',
  order_compensated: (order, detail) =>
    `Order ${order} was reversed${detail ? `: ${detail}` : ''}. Every step already taken was undone: ` +
    'the warehouse order and ERP sales order cancelled, the Magento order credited or cancelled, and the payment refunded in Stripe.',
  fraud_hold: (order, detail) =>
    `Order ${order} is on hold for a fraud review${detail ? ` (${detail})` : ''}. Approve or reject it with ` +
    `\`npm run ops -- fraud approve ${order}\` (or \`fraud reject\`); without a decision it is cancelled and refunded when the hold times out.`,
  shipment_reminder: (order, detail) =>
    `Order ${order} has been paid but has not shipped yet${detail ? ` (${detail})` : ''}, and the warehouse shows no shipment for it. Please check on it.`,
  dispute_opened: (order, detail) =>
    `The payment for order ${order} is disputed by the cardholder${detail ? `: ${detail}` : ''}. Gather the order's evidence ` +
    '(invoice, tracking, correspondence) and submit it in the Stripe Dashboard; the order page shows the dispute: ' +
    `\`npm run ops -- order ${order}\`.`,
  dispute_evidence_due: (order, detail) =>
    `Reminder: evidence for the dispute on order ${order} is due soon${detail ? ` (${detail})` : ''}. Submit it in the Stripe Dashboard.`,
  fraud_warning_after_shipment: (order, detail) =>
    `The card issuer sent an early fraud warning for order ${order}, which has already shipped${detail ? ` (${detail})` : ''}. ` +
    'Refunding it now usually prevents a dispute and its fee: ' +
    `\`npm run ops -- refund ${order}\` (or POST /admin/orders/${order}/refund).`,
  renewal_payment_failed: (_order, detail) =>
    `We could not take the payment for your subscription${detail ? `. ${detail}` : '.'} If the card has expired or changed, update it from the link above.`,
  trial_will_end: (_order, detail) =>
    `Your free trial ends soon${detail ? ` (${detail})` : ''}. After it, your card is charged for each period unless you cancel.`,
  shipment_on_hold: (order, detail) =>
    `The warehouse put the shipment of order ${order} on hold${detail ? ` (${detail})` : ''}. The order waits, parked in ` +
    'the review queue, until the warehouse releases it; fix the cause with the warehouse (address, stock, payment of ' +
    `its invoice), or see the order: \`npm run ops -- order ${order}\`.`,
  shipment_exception: (order, detail) =>
    `The warehouse reports a problem with the shipment of order ${order}${detail ? ` (${detail})` : ''}. The order is ` +
    'parked in the review queue until the warehouse reports it moving again or delivered; take it up with the ' +
    `warehouse or the carrier: \`npm run ops -- order ${order}\`.`,
  low_stock: (_order, detail) =>
    `Stock is running low${detail ? `: ${detail}` : ''}. Magento sells what the warehouse holds, so reorder or ` +
    'restock it with the warehouse before it sells out; `npm run ops -- inventory` shows the last stock sync.',
  shipment_escalation: (order, detail) =>
    `Order ${order} still has not shipped after a reminder${detail ? ` (${detail})` : ''}. Please take it up with the warehouse now.`,
};

/** The plain-text body of a notice; an unknown template gets a generic body with the subject and detail. */
export function renderNotice(facts: NoticeFacts): string {
  const render = Object.hasOwn(templates, facts.template) ? templates[facts.template] : undefined;
  const lines = render
    ? [render(facts.orderId ?? 'without a number', facts.detail)]
    : [
        facts.subject,
        ...(facts.orderId ? [`Order: ${facts.orderId}`] : []),
        ...(facts.detail ? [`Detail: ${facts.detail}`] : []),
      ];
  return `${lines.join('\n')}\n`;
}

export const knownTemplates: readonly string[] = Object.keys(templates);
