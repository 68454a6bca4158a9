import type { LowStockSettings } from './inventory';

/** Business settings the workflows run with (from config/mappings.yaml), durations in milliseconds. */
export interface OrderSettings {
  paymentFailedStatus: string;
  paymentFailedComment: string;
  paymentRetryWindowMs: number;
  shipmentReminderAfterMs: number;
  shipmentEscalateAfterMs: number;
  /** Escalation notices sent at most, after which the run only keeps looking in the WMS. */
  shipmentEscalationLimit: number;
  /** How long a shipped order's run waits for the warehouse's delivery news before it ends without it. */
  deliveryWaitMaxMs: number;
  /** How long a payment waits for its Magento order to appear (the storefront may still be writing it) before parking. */
  orderWaitMaxMs: number;
  /** Authorise-only payments are captured when the order is invoiced (after the fraud gate) or when it ships. */
  paymentCaptureAt: 'invoice' | 'shipment';
  /** Where the pay-again Checkout page sends the customer. */
  retryCheckout: { successUrl: string; cancelUrl: string };
  /** Payments from the merchant's other sales channels: not ours, counted, never parked. */
  otherChannels: OtherChannels;
  /** After the sale: credit memos for Stripe refunds. */
  refunds: RefundSettings;
  /** After the sale: chargebacks. */
  disputes: { evidenceReminderBeforeMs: number };
  /** Renewal orders for Stripe subscriptions. */
  subscriptions: SubscriptionSettings;
  /**
   * Customer sync: the Magento attribute that holds the Stripe customer id, and whether a paid guest order whose payment
   * names no Stripe customer gets one (one per e-mail).
   */
  customers: { stripeCustomerIdAttribute: string; createForGuests: boolean };
  fraud: FraudSettings;
  erp: ErpSettings;
  wms: WmsSettings;
  /** Stock from the warehouse into Magento (workflows/inventorySync.ts). */
  inventory: InventorySettings;
}

export interface InventorySettings {
  /** `msi`: Magento MSI source items; `legacy`: the stock item of a store without MSI (the default source's view). */
  api: 'msi' | 'legacy';
  /** The MSI source the warehouse's stock is written to. */
  source: string;
  /** The stock whose salable quantity the operator page shows (the source's stock). */
  stockId: number;
  /** Source items per write request. */
  batchSize: number;
  lowStock: LowStockSettings;
}

export interface RefundSettings {
  /** Credit memos put the credited items back in stock (Magento's `return_to_stock_items`). Off by default. */
  returnToStock: boolean;
  /** How long a refund's run waits between looks for the ERP invoice a credit note needs (the order has not shipped yet). */
  erpInvoiceWaitMs: number;
}

export interface SubscriptionSettings {
  /**
   * Which paid invoices of a subscription become Magento orders: `renewals` (the default), the invoices of its periods
   * (`subscription_create`, `subscription_cycle`, `subscription_threshold`); `all`, also plan changes (proration
   * invoices, `subscription_update`) and invoices added by hand. An invoice with a negative total (a credit) never does.
   */
  orderFor: 'renewals' | 'all';
  /** Among those, a zero-amount invoice (a trial, a fully discounted period) makes a Magento order too. Off by default. */
  ordersForZeroInvoices: boolean;
  /** Magento store the renewal orders are made in. */
  storeId: number;
  /** A subscription's run continues as new after this many renewals (or sooner, when Temporal suggests it). */
  renewalsPerRun: number;
}

export interface FraudSettings {
  holdThreshold: number;
  holdTimeoutMs: number;
  highAmountMinor: Record<string, number>;
  velocityLimit: number;
}

export interface ErpSettings {
  company: string;
  customerGroup: string;
  territory: string;
  shippingItemCode: string;
  taxAccount: string;
  receivableAccount: string;
  bankAccount: string;
  glAccounts: Record<string, string>;
}

export interface WmsSettings {
  shippingMethod: string;
  carrierCodes: Record<string, string>;
  defaultCarrierCode: string;
}

/** A payment is from another sales channel when its metadata has one of these values, or a Connect application listed. */
export interface OtherChannels {
  metadata: Record<string, string[]>;
  applications: string[];
}
