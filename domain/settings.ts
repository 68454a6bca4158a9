/** Business settings the workflows run with (from config/mappings.yaml), durations in milliseconds. */
export interface OrderSettings {
  paymentFailedStatus: string;
  paymentFailedComment: string;
  paymentRetryWindowMs: number;
  shipmentReminderAfterMs: number;
  shipmentEscalateAfterMs: number;
  fraud: FraudSettings;
  erp: ErpSettings;
  wms: WmsSettings;
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
