import fc from 'fast-check';
import { erpSalesOrderFor, MappingError, splitIntoExactLines, wmsOrderFor } from '../../domain/fulfilment';
import type { MagentoOrder } from '../../domain/magento';
import { toMinor } from '../../domain/money';
import { orderSettingsFrom, loadMappings } from '../../config/mappings';
import { join } from 'node:path';

const settings = orderSettingsFrom(loadMappings(join(__dirname, '../../config/mappings.yaml')));

function order(overrides: Partial<MagentoOrder> = {}): MagentoOrder {
  return {
    entity_id: 7, increment_id: '000000007', state: 'new', status: 'pending', order_currency_code: 'USD',
    grand_total: 38.5, shipping_amount: 5, tax_amount: 3.5, customer_email: 'ada@example.com', customer_firstname: 'Ada', customer_lastname: 'Lovelace',
    items: [
      { item_id: 1, sku: 'MUG-01', name: 'Mug', qty_ordered: 3, price: 3.3333, row_total: 10 },
      { item_id: 2, sku: 'TEE-M', name: 'Tee', qty_ordered: 1, price: 20, row_total: 20 },
      { item_id: 3, sku: 'TEE-M', name: 'Tee (child row)', qty_ordered: 1, parent_item_id: 2 },
    ],
    extension_attributes: { shipping_assignments: [{ shipping: { address: { firstname: 'Ada', lastname: 'Lovelace', street: ['1 Analytical Way'], city: 'London', postcode: 'N1', country_id: 'GB' } } }] },
    ...overrides,
  };
}

describe('mapping a Magento order to ERPNext and ShipBob', () => {
  it('splits a row total into lines that add up exactly', () => {
    expect(splitIntoExactLines(1000, 3)).toEqual([{ qty: 2, unitMinor: 333 }, { qty: 1, unitMinor: 334 }]);
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 500 }), (row, qty) => {
      const lines = splitIntoExactLines(row, qty);
      return lines.reduce((s, l) => s + l.qty * l.unitMinor, 0) === row && lines.reduce((s, l) => s + l.qty, 0) === qty;
    }));
  });

  it('builds an ERP sales order whose lines, shipping and tax add up to the Magento grand total', () => {
    const so = erpSalesOrderFor(order(), 'Ada Lovelace', settings.erp, '2026-11-26');
    expect(so.po_no).toBe('000000007');
    expect(so.items.map((i) => i.item_code)).toEqual(['MUG-01', 'MUG-01', 'TEE-M', 'SHIPPING']);
    const linesMinor = so.items.reduce((s, i) => s + i.qty * toMinor(i.rate, 'USD'), 0);
    const taxMinor = so.taxes.reduce((s, t) => s + toMinor(t.tax_amount, 'USD'), 0);
    expect(linesMinor + taxMinor).toBe(toMinor(38.5, 'USD'));
  });

  it('builds a ShipBob order keyed by the increment id, without configurable child rows', () => {
    const wms = wmsOrderFor(order(), settings.wms);
    expect(wms.reference_id).toBe('000000007');
    expect(wms.products).toEqual([{ reference_id: 'MUG-01', name: 'Mug', quantity: 3 }, { reference_id: 'TEE-M', name: 'Tee', quantity: 1 }]);
    expect(wms.recipient.address).toMatchObject({ address1: '1 Analytical Way', city: 'London', country: 'GB', zip_code: 'N1' });
  });

  it('refuses to ship to an incomplete address, saying what is missing', () => {
    expect(() => wmsOrderFor(order({ extension_attributes: {}, billing_address: { city: 'London' } }), settings.wms))
      .toThrow(new MappingError('order 000000007: the shipping address is incomplete (street, city, postcode and country are needed to ship)'));
  });
});
