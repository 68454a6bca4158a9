import { badRequest, MagentoError } from './errors';
import { castField, listArgument, refuseUnknownFields, ValidationFailed, type ItemError } from './inventoryInput';
import { applySearchCriteria, parseSearchCriteria } from './searchCriteria';
import { inventoryOf, type InventorySource, type MagentoContext, type MagentoRoute } from './types';
import { clone, intParam, requireObject, withoutNulls } from './values';

/** MSI sources, stocks and the links between them (`/V1/inventory/sources`, `stocks`, `stock-source-links`). */
const sourceFields = [
  'source_code',
  'name',
  'email',
  'contact_name',
  'enabled',
  'description',
  'latitude',
  'longitude',
  'country_id',
  'region_id',
  'region',
  'city',
  'street',
  'postcode',
  'phone',
  'fax',
  'use_default_carrier_config',
  'carrier_links',
  'extension_attributes',
];

const notEmpty = (name: string): ItemError => ({ message: '"%field" can not be empty.', parameters: { field: name } });

/** SourceRepository::save for a new source: Magento's source validators, then the insert. */
function createSource(ctx: MagentoContext, body: unknown): void {
  const given = requireObject(requireObject(body, 'source').source, 'source');
  refuseUnknownFields(given, sourceFields, 'Magento\\InventoryApi\\Api\\Data\\SourceInterface');
  const code = castField(given, 'source_code', 'string') as string | undefined;
  const errors: ItemError[] = [];
  if (!code?.trim()) errors.push(notEmpty('source_code'));
  else if (/\s/.test(code))
    errors.push({ message: '"%field" can not contain whitespaces.', parameters: { field: 'source_code' } });
  for (const name of ['name', 'country_id', 'postcode'])
    if (!(castField(given, name, 'string') as string | undefined)?.trim()) errors.push(notEmpty(name));
  if (errors.length > 0) throw new ValidationFailed(errors);
  const inventory = inventoryOf(ctx);
  // source_code is the table's key: a second insert of the same code fails in the database.
  if (inventory.sources.some((s) => s.source_code === code)) throw badRequest('Could not save Source');
  const source: InventorySource = {
    ...withoutNulls(given),
    source_code: code ?? '',
    name: String(given.name),
    enabled: given.enabled === undefined ? true : Boolean(castField(given, 'enabled', 'bool')),
    use_default_carrier_config:
      given.use_default_carrier_config === undefined
        ? true
        : Boolean(castField(given, 'use_default_carrier_config', 'bool')),
    carrier_links: Array.isArray(given.carrier_links) ? given.carrier_links : [],
  };
  inventory.sources.push(source);
  ctx.store.changed();
}

function assignSources(ctx: MagentoContext, body: unknown): void {
  const inventory = inventoryOf(ctx);
  const links = listArgument(body, 'links').map((given) => {
    refuseUnknownFields(
      given,
      ['stock_id', 'source_code', 'priority', 'extension_attributes'],
      'Magento\\InventoryApi\\Api\\Data\\StockSourceLinkInterface',
    );
    return {
      stock_id: castField(given, 'stock_id', 'int') as number | undefined,
      source_code: castField(given, 'source_code', 'string') as string | undefined,
      priority: castField(given, 'priority', 'int') as number | undefined,
    };
  });
  const errors: ItemError[] = links.flatMap((link) => [
    ...(link.source_code?.trim() ? [] : [notEmpty('source_code')]),
    ...(link.stock_id === undefined ? [notEmpty('stock_id')] : []),
    ...(link.priority === undefined ? [notEmpty('priority')] : []),
  ]);
  if (errors.length > 0) throw new ValidationFailed(errors);
  const dangling = links.some(
    (link) =>
      !inventory.stocks.some((s) => s.stock_id === link.stock_id) ||
      !inventory.sources.some((s) => s.source_code === link.source_code),
  );
  if (dangling) throw badRequest('Could not save StockSourceLinks');
  for (const link of links) {
    const saved = { stock_id: link.stock_id ?? 0, source_code: link.source_code ?? '', priority: link.priority ?? 0 };
    const existing = inventory.links.find((l) => l.stock_id === saved.stock_id && l.source_code === saved.source_code);
    if (existing) existing.priority = saved.priority;
    else inventory.links.push(saved);
  }
  ctx.store.changed();
}

function findSource(ctx: MagentoContext, code: string): InventorySource {
  const source = inventoryOf(ctx).sources.find((s) => s.source_code === code);
  if (!source) throw new MagentoError(404, 'Source with code "%value" does not exist.', { value: code });
  return source;
}

export function inventorySourceRoutes(ctx: MagentoContext): MagentoRoute[] {
  return [
    {
      method: 'get',
      path: '/V1/inventory/sources',
      resource: 'Magento_InventoryApi::source',
      handle: (req, res) =>
        void res.json(clone(applySearchCriteria(inventoryOf(ctx).sources, parseSearchCriteria(req.query)))),
    },
    {
      method: 'get',
      path: '/V1/inventory/sources/:sourceCode',
      resource: 'Magento_InventoryApi::source',
      handle: (req, res) => void res.json(clone(findSource(ctx, String(req.params.sourceCode)))),
    },
    {
      // A void service method: Magento's REST answer is an empty array.
      method: 'post',
      path: '/V1/inventory/sources',
      resource: 'Magento_InventoryApi::source_edit',
      handle: (req, res) => {
        createSource(ctx, req.body);
        res.json([]);
      },
    },
    {
      method: 'get',
      path: '/V1/inventory/stocks',
      resource: 'Magento_InventoryApi::stock',
      handle: (req, res) =>
        void res.json(clone(applySearchCriteria(inventoryOf(ctx).stocks, parseSearchCriteria(req.query)))),
    },
    {
      method: 'get',
      path: '/V1/inventory/stocks/:stockId',
      resource: 'Magento_InventoryApi::stock',
      handle: (req, res) => {
        const id = intParam(req, 'stockId');
        const stock = inventoryOf(ctx).stocks.find((s) => s.stock_id === id);
        if (!stock) throw new MagentoError(404, 'Stock with id "%value" does not exist.', { value: String(id) });
        res.json(clone(stock));
      },
    },
    {
      method: 'get',
      path: '/V1/inventory/stock-source-links',
      resource: 'Magento_InventoryApi::stock',
      handle: (req, res) =>
        void res.json(
          clone(
            applySearchCriteria(
              inventoryOf(ctx).links as unknown as Record<string, unknown>[],
              parseSearchCriteria(req.query),
            ),
          ),
        ),
    },
    {
      method: 'post',
      path: '/V1/inventory/stock-source-links',
      resource: 'Magento_InventoryApi::stock_source_link',
      handle: (req, res) => {
        assignSources(ctx, req.body);
        res.json([]);
      },
    },
  ];
}
