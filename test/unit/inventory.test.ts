import fc from 'fast-check';
import { lowStockCrossings, planInventoryWrites, quantityForMagento } from '../../domain/inventory';

const skuArb = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `SKU-${i}`));
const stockArb = fc.dictionary(skuArb, fc.integer({ min: 0, max: 50 }));

describe('stock into Magento (domain/inventory.ts)', () => {
  it('writes on hand less exception to MSI, never the fulfillable quantity, and never below zero', () => {
    expect(quantityForMagento({ sku: 'A', onHand: 10, exception: 0, fulfillable: 8 })).toBe(10);
    expect(quantityForMagento({ sku: 'A', onHand: 10, exception: 2, fulfillable: 6 })).toBe(8);
    expect(quantityForMagento({ sku: 'A', onHand: 1, exception: 3, fulfillable: 0 })).toBe(0);
  });

  it('writes fulfillable to a store without MSI, whose stock item already dropped for each order placed', () => {
    expect(quantityForMagento({ sku: 'A', onHand: 10, exception: 0, fulfillable: 8 }, 'legacy')).toBe(8);
    expect(quantityForMagento({ sku: 'A', onHand: 1, exception: 0, fulfillable: -1 }, 'legacy')).toBe(0);
  });

  it('plans exactly the SKUs on both sides whose quantity differs or that Magento changed itself, and reports the rest', () => {
    fc.assert(
      fc.property(stockArb, stockArb, fc.array(skuArb), (warehouse, magento, rewrite) => {
        const plan = planInventoryWrites({ warehouse, magento, rewrite });
        const both = Object.keys(warehouse).filter((sku) => sku in magento);
        const expected = both.filter((sku) => warehouse[sku] !== magento[sku] || rewrite.includes(sku)).sort();
        expect(plan.writes.map((w) => w.sku)).toEqual(expected);
        for (const w of plan.writes)
          expect(w).toEqual({ sku: w.sku, quantity: warehouse[w.sku], status: w.quantity > 0 ? 1 : 0 });
        expect(plan.unchanged).toBe(both.length - expected.length);
        expect(plan.warehouseOnly).toEqual(
          Object.keys(warehouse)
            .filter((sku) => !(sku in magento))
            .sort(),
        );
        expect(plan.magentoOnly).toEqual(
          Object.keys(magento)
            .filter((sku) => !(sku in warehouse))
            .sort(),
        );
        // Applying the plan leaves nothing to write.
        const after = { ...magento, ...Object.fromEntries(plan.writes.map((w) => [w.sku, w.quantity])) };
        expect(planInventoryWrites({ warehouse, magento: after }).writes).toEqual([]);
      }),
    );
  });

  it('tells a low SKU once per crossing: again only after it has been above its threshold', () => {
    const settings = { threshold: 5, perSku: { RARE: 1 } };
    const first = lowStockCrossings({ A: 3, B: 9, RARE: 2 }, [], settings);
    expect(first).toEqual({ crossed: ['A'], low: ['A'] });
    expect(lowStockCrossings({ A: 2, B: 9, RARE: 1 }, first.low, settings)).toEqual({
      crossed: ['RARE'],
      low: ['A', 'RARE'],
    });
    const refilled = lowStockCrossings({ A: 20, RARE: 1 }, ['A', 'RARE'], settings);
    expect(refilled).toEqual({ crossed: [], low: ['RARE'] });
    expect(lowStockCrossings({ A: 4, RARE: 1 }, refilled.low, settings).crossed).toEqual(['A']);
  });
});
