import axios from 'axios';
import { MagentoClient } from '../../../integrations/magento/client';
import type { MagentoSourceItem } from '../../../integrations/magento/inventory';
import { describeIfMagentoSchema, loadMagentoSchema, type Json, type MagentoSchema } from '../../harness/magentoSchema';
import { bearerToken, searchParams, startMagento, type RunningMagento } from './magentoHelpers';

/**
 * The product's MSI client against Magento's admin schema: every request it sends (read back from the sandbox's
 * request log) must name a path of the schema, carry only query parameters the path declares, and a body that fits
 * the path's body parameter strictly; and the sandbox's MSI answers must have the schema's types.
 */
interface Logged {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
}

/** The request log keeps qs's parsed query: back to the flat `a[b][0][c]` names the client sent. */
function flatQuery(value: unknown, prefix = ''): [string, string][] {
  if (value !== null && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      flatQuery(v, prefix ? `${prefix}[${k}]` : k),
    );
  return [[prefix, String(value)]];
}

/** Magento reads snake_case and camelCase alike; the schema lists camelCase names with index 0. */
const schemaName = (name: string) =>
  name.replace(/\[\d+\]/g, '[0]').replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

const restPath = (path: string) => path.replace(/^\/rest\/default/, '');

describeIfMagentoSchema('Magento inventory contract test')(
  'Magento MSI client against Magento’s admin REST schema',
  () => {
    let contract: MagentoSchema;
    let magento: RunningMagento;
    let client: MagentoClient;
    let sent: Logged[] = [];
    const answers: { method: string; path: string; status: number; body: unknown }[] = [];

    /** The published stock item lists every field as required, but StockRegistry merges what it is given. */
    const stockItemBody = (): Json => {
      const { required: _required, ...item } =
        contract.doc.definitions['catalog-inventory-data-stock-item-interface'] ?? {};
      return { type: 'object', required: ['stockItem'], properties: { stockItem: item } };
    };

    const bodyProblem = (method: string, path: string, body: unknown): string | undefined => {
      const template = contract.templateFor(method, path);
      if (template === '/V1/products/{productSku}/stockItems/{itemId}') {
        const validate = contract.validatorFor('body put stock item (merge)', stockItemBody(), 'strict');
        return validate(body) ? undefined : `${method} ${path}: ${contract.errorsText(validate, 'strict')}`;
      }
      return contract.requestBodyProblem(method, path, body);
    };

    const queryProblems = (e: Logged): string[] => {
      const template = contract.templateFor(e.method, restPath(e.path)) ?? '';
      const declared = new Map(
        (contract.doc.paths[template]?.[e.method.toLowerCase()]?.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => [String(p.name), String(p.type)]),
      );
      return flatQuery(e.query).flatMap(([name, value]) => {
        const type = declared.get(schemaName(name));
        if (!type) return [`${e.method} ${e.path}: query parameter ${name} is not in the schema`];
        if (type === 'integer' && !/^\d+$/.test(value))
          return [`${e.method} ${e.path}: ${name}=${value} is no integer`];
        return [];
      });
    };

    beforeAll(async () => {
      contract = loadMagentoSchema();
      magento = await startMagento();
      client = new MagentoClient({
        baseUrl: `${magento.url}/rest/default`,
        auth: { kind: 'token', token: bearerToken },
      });
    });
    afterAll(() => magento?.close());

    describe('the client', () => {
      beforeAll(async () => {
        await magento.reset();
        await magento.api.post('/inventory/sources', {
          source: { source_code: 'eu-1', name: 'EU', country_id: 'DE', postcode: '10115' },
        });
      });

      it('saves source items in batches of the given size (100 by default)', async () => {
        const items: MagentoSourceItem[] = Array.from({ length: 250 }, (_, i) => ({
          sku: `SKU-${String(i).padStart(3, '0')}`,
          source_code: 'default',
          quantity: (i % 7) + 1,
          status: 1,
        }));
        await client.inventory.saveSourceItems(items);
        await client.inventory.saveSourceItems(
          [
            { sku: 'SKU-001', source_code: 'eu-1', quantity: 2.5, status: 1 },
            { sku: 'SKU-002', source_code: 'eu-1', quantity: 0, status: 0 },
            { sku: 'SKU-003', source_code: 'eu-1', quantity: 1, status: 1 },
          ],
          2,
        );
        const log = (await axios.get<Logged[]>(`${magento.url}/__sandbox/requests`)).data;
        const posts = log.filter((r) => r.method === 'POST' && restPath(r.path) === '/V1/inventory/source-items');
        expect(posts.map((r) => (r.body as { sourceItems: unknown[] }).sourceItems.length)).toEqual([
          100, 100, 50, 2, 1,
        ]);
        await expect(client.inventory.saveSourceItems(items, 0)).rejects.toThrow(RangeError);
      });

      it('lists a source’s items page by page until total_count, optionally for some SKUs only', async () => {
        const all = await client.inventory.listSourceItems({ sourceCode: 'default' });
        expect(all).toHaveLength(250);
        expect(new Set(all.map((i) => i.sku)).size).toBe(250);
        const some = await client.inventory.listSourceItems({
          sourceCode: 'eu-1',
          skus: ['SKU-001', 'SKU-003', 'NONE'],
        });
        expect(some).toEqual([
          { sku: 'SKU-001', source_code: 'eu-1', quantity: 2.5, status: 1 },
          { sku: 'SKU-003', source_code: 'eu-1', quantity: 1, status: 1 },
        ]);
        const many = Array.from({ length: 120 }, (_, i) => `SKU-${String(i * 2).padStart(3, '0')}`);
        expect(await client.inventory.listSourceItems({ sourceCode: 'default', skus: many })).toHaveLength(120);
      });

      it('reads salable quantity, sources and the legacy stock item, and writes the stock item', async () => {
        expect(await client.inventory.salableQuantity('SKU-001', 1)).toBe(2);
        expect((await client.inventory.listSources()).map((s) => s.source_code)).toEqual(['default', 'eu-1']);
        const item = await client.inventory.getStockItem('SKU-001');
        expect(item).toMatchObject({ qty: 2, is_in_stock: true, stock_id: 1 });
        expect(await client.inventory.updateStockItem('SKU-001', item.item_id, { qty: 40, isInStock: true })).toBe(
          item.item_id,
        );
        expect(await client.inventory.salableQuantity('SKU-001', 1)).toBe(40);
        await expect(client.inventory.getStockItem('NONE')).rejects.toThrow(/doesn't exist/);
      });

      it('sent only requests that fit the schema: paths, query parameters and bodies', async () => {
        sent = (await axios.get<Logged[]>(`${magento.url}/__sandbox/requests`)).data.filter(
          (r) => r.path.startsWith('/rest/default/V1/inventory/') || r.path.includes('stockItems'),
        );
        const fromClient = sent.filter((r) => !(r.method === 'POST' && restPath(r.path) === '/V1/inventory/sources'));
        expect(
          new Set(fromClient.map((r) => `${r.method} ${contract.templateFor(r.method, restPath(r.path))}`)),
        ).toEqual(
          new Set([
            'POST /V1/inventory/source-items',
            'GET /V1/inventory/source-items',
            'GET /V1/inventory/get-product-salable-quantity/{sku}/{stockId}',
            'GET /V1/inventory/sources',
            'GET /V1/stockItems/{productSku}',
            'PUT /V1/products/{productSku}/stockItems/{itemId}',
          ]),
        );
        const pages = fromClient
          .filter((r) => r.method === 'GET' && restPath(r.path) === '/V1/inventory/source-items')
          .map((r) => (r.query.searchCriteria as { currentPage?: string }).currentPage);
        expect(pages.slice(0, 3)).toEqual(['1', '2', '3']);
        const problems = fromClient.flatMap((e) => [
          ...queryProblems(e),
          ...(e.body && Object.keys(e.body).length > 0 ? [bodyProblem(e.method, restPath(e.path), e.body)] : []),
        ]);
        expect(problems.filter(Boolean)).toEqual([]);
      });
    });

    describe('the sandbox’s answers', () => {
      beforeAll(async () => {
        await magento.reset();
        const call = async (method: 'get' | 'post' | 'put', path: string, body?: unknown, params?: object) => {
          const res = await magento.api.request({ method, url: path, data: body, params });
          answers.push({ method, path: `/V1${path}`, status: res.status, body: res.data });
        };
        const all = searchParams({ '[pageSize]': 10 });
        await call('post', '/inventory/source-items', {
          sourceItems: [{ sku: 'MUG-1', source_code: 'default', quantity: 3, status: 1 }],
        });
        await call('post', '/inventory/source-items', { sourceItems: [{ sku: '', source_code: 'default' }] });
        await call('get', '/inventory/source-items', undefined, all);
        await call('get', '/inventory/sources', undefined, all);
        await call('get', '/inventory/sources/default');
        await call('get', '/inventory/stocks', undefined, all);
        await call('get', '/inventory/stock-source-links', undefined, all);
        await call('get', '/inventory/get-product-salable-quantity/MUG-1/1');
        await call('get', '/inventory/get-product-salable-quantity/MUG-1/7');
        await call('get', '/inventory/is-product-salable/MUG-1/1');
        await call('get', '/stockItems/MUG-1');
        await call('put', '/products/MUG-1/stockItems/1', { stockItem: { qty: 4, is_in_stock: true } });
      });

      it('answers with the schema’s types, errors included (void routes answer [])', () => {
        const failures = answers.flatMap((a) => {
          const template = contract.templateFor(a.method, a.path) ?? '';
          const schema = contract.responseSchema(template, a.method, a.status);
          if (!schema)
            return a.status === 200 && Array.isArray(a.body) && a.body.length === 0 ? [] : [`${a.path}: none`];
          const validate = contract.validatorFor(`response ${a.method} ${template} ${a.status}`, schema, 'lenient');
          return validate(a.body)
            ? []
            : [`${a.method} ${a.path} ${a.status}: ${contract.errorsText(validate, 'lenient')}`];
        });
        expect(failures).toEqual([]);
        expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 400]));
      });
    });

    it('has validators that refuse wrong requests (self-check)', () => {
      expect(
        contract.requestBodyProblem('post', '/V1/inventory/source-items', {
          sourceItems: [{ sku: 'A', source_code: 'default', quantity: 1, status: 1 }],
        }),
      ).toBeUndefined();
      expect(
        contract.requestBodyProblem('post', '/V1/inventory/source-items', {
          sourceItems: [{ sku: 'A', source_code: 'default', qty: 1, status: 1 }],
        }),
      ).toMatch(/additional properties/);
      expect(
        contract.requestBodyProblem('post', '/V1/inventory/source-items', {
          sourceItems: [{ sku: 'A', source_code: 'default', quantity: '1', status: true }],
        }),
      ).toMatch(/must be number/);
      expect(contract.requestBodyProblem('post', '/V1/inventory/source-items', { items: [] })).toMatch(/sourceItems/);
      expect(bodyProblem('put', '/V1/products/A/stockItems/1', { stockItem: { qty: 1, is_in_stock: true } })).toBe(
        undefined,
      );
      expect(bodyProblem('put', '/V1/products/A/stockItems/1', { stockItem: { quantity: 1 } })).toMatch(
        /additional properties/,
      );
      expect(
        queryProblems({
          method: 'GET',
          path: '/rest/default/V1/inventory/source-items',
          query: { searchCriteria: { page_size: 'ten', filter: 'x' } },
          body: {},
          status: 200,
        }),
      ).toHaveLength(2);
    });
  },
);
