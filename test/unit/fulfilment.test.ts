import fc from 'fast-check';
import { erpSalesOrderFor, MappingError, splitIntoExactLines, wmsOrderFor } from '../../domain/fulfilment';
import type { MagentoOrder } from '../../domain/magento';
import { toMinor } from '../../domain/money';
import { orderSnapshotOf } from '../../domain/orderSnapshot';
import { orderSettingsFrom, loadMappings } from '../../config/mappings';
import { join } from 'node:path';

const settings = orderSettingsFrom(loadMappings(join(__dirname, '../../config/mappings.yaml')));

function order(overrides: Partial<MagentoOrder> = {}) {
  return orderSnapshotOf({
    entity_id: 7,
    increment_id: '000000007',
    state: 'new',
    status: 'pending',
    order_currency_code: 'USD',
    grand_total: 38.5,
    shipping_amount: 5,
    tax_amount: 3.5,
    customer_email: 'ada@example.com',
    customer_firstname: 'Ada',
    customer_lastname: 'Lovelace',
    items: [
      { item_id: 1, sku: 'MUG-01', name: 'Mug', qty_ordered: 3, price: 3.3333, row_total: 10 },
      { item_id: 2, sku: 'TEE-M', name: 'Tee', qty_ordered: 1, price: 20, row_total: 20 },
      { item_id: 3, sku: 'TEE-M', name: 'Tee (child row)', qty_ordered: 1, parent_item_id: 2 },
    ],
    extension_attributes: {
      shipping_assignments: [
        {
          shipping: {
            address: {
              firstname: 'Ada',
              lastname: 'Lovelace',
              street: ['1 Analytical Way'],
              city: 'London',
              postcode: 'N1',
              country_id: 'GB',
            },
          },
        },
      ],
    },
    ...overrides,
  });
}

describe('mapping a Magento order to ERPNext and ShipBob', () => {
  it('splits a row total into lines that add up exactly', () => {
    expect(splitIntoExactLines(1000, 3)).toEqual([
      { qty: 2, unitMinor: 333 },
      { qty: 1, unitMinor: 334 },
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 500 }), (row, qty) => {
        const lines = splitIntoExactLines(row, qty);
        return (
          lines.reduce((s, l) => s + l.qty * l.unitMinor, 0) === row && lines.reduce((s, l) => s + l.qty, 0) === qty
        );
      }),
    );
  });

  it('builds an ERP sales order whose lines, shipping and tax add up to the Magento grand total', () => {
    const so = erpSalesOrderFor(order(), 'Ada Lovelace', settings.erp, '2026-11-26');
    expect(so.po_no).toBe('000000007');
    expect(so.items.map((i) => i.item_code)).toEqual(['MUG-01', 'MUG-01', 'TEE-M', 'SHIPPING']);
    const linesMinor = so.items.reduce((s, i) => s + i.qty * i.rateMinor, 0);
    const taxMinor = so.taxes.reduce((s, t) => s + t.taxMinor, 0);
    expect(linesMinor + taxMinor).toBe(toMinor(38.5, 'USD'));
  });

  it('builds a ShipBob order keyed by the increment id, without configurable child rows', () => {
    const wms = wmsOrderFor(order(), settings.wms);
    expect(wms.reference_id).toBe('000000007');
    expect(wms.products).toEqual([
      { reference_id: 'MUG-01', name: 'Mug', quantity: 3 },
      { reference_id: 'TEE-M', name: 'Tee', quantity: 1 },
    ]);
    expect(wms.recipient.address).toMatchObject({
      address1: '1 Analytical Way',
      city: 'London',
      country: 'GB',
      zip_code: 'N1',
    });
  });

  it('refuses to ship to an incomplete address, saying what is missing', () => {
    expect(() =>
      wmsOrderFor(order({ extension_attributes: {}, billing_address: { city: 'London' } }), settings.wms),
    ).toThrow(
      new MappingError(
        'order 000000007: the shipping address is incomplete (street, city, postcode and country are needed to ship)',
      ),
    );
  });
});

describe('the order snapshot that crosses into workflow history', () => {
  it('carries money in minor units by the currency table (JPY 0, KWD 3 decimals), shipping net of its discount', () => {
    expect(
      order({
        order_currency_code: 'JPY',
        grand_total: 5500,
        shipping_amount: 500,
        tax_amount: 0,
        items: [{ item_id: 1, sku: 'A', qty_ordered: 1, row_total: 5000 }],
      }),
    ).toMatchObject({
      currency: 'JPY',
      grandTotalMinor: 5500,
      shippingMinor: 500,
      lines: [{ sku: 'A', qty: 1, rowMinor: 5000 }],
    });
    expect(
      order({
        order_currency_code: 'kwd',
        grand_total: 12.345,
        shipping_amount: 1.5,
        shipping_discount_amount: -0.25,
        tax_amount: 0.095,
        items: [{ item_id: 1, sku: 'A', qty_ordered: 2, row_total: 11.2, discount_amount: 0.2 }],
      }),
    ).toMatchObject({
      currency: 'KWD',
      grandTotalMinor: 12345,
      shippingMinor: 1250,
      taxMinor: 95,
      lines: [{ rowMinor: 11000 }],
    });
  });

  it('keeps only top-level lines and the ship-to address, and falls back to the billing address', () => {
    const snapshot = order({
      extension_attributes: {},
      billing_address: { street: ['2 Bill St'], city: 'Leeds', postcode: 'LS1', country_id: 'GB' },
    });
    expect(snapshot.lines.map((l) => l.itemId)).toEqual([1, 2]);
    expect(snapshot.shipTo).toMatchObject({ street: ['2 Bill St'], city: 'Leeds', countryId: 'GB' });
    expect(snapshot.shippingCountry).toBeUndefined();
    expect(Object.keys(snapshot)).not.toContain('items');
  });
});
