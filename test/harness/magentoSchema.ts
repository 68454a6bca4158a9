import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Magento's own admin REST schema (Swagger 2.0, `../shared/contracts/magento/admin-schema-2.4.9.yaml`, or
 * `MAGENTO_SCHEMA_PATH`) as validators: request bodies strictly (an object closes over its properties, so a misspelt
 * field fails), responses leniently (real Magento omits nulls, so required fields may be missing, but a present field
 * must have the schema's type). The contract files are read where they are, never copied into the repo.
 */
const repoRoot = path.resolve(__dirname, '../..');
export const magentoSchemaPath =
  process.env.MAGENTO_SCHEMA_PATH ?? path.resolve(repoRoot, '../shared/contracts/magento/admin-schema-2.4.9.yaml');

/** `describe`, or `describe.skip` with a notice naming the missing file. */
export function describeIfMagentoSchema(what: string): jest.Describe {
  if (existsSync(magentoSchemaPath)) return describe;
  console.warn(`${what} skipped: no admin REST schema at ${magentoSchemaPath} (set MAGENTO_SCHEMA_PATH).`);
  return describe.skip;
}

export type Json = Record<string, unknown>;
interface Operation {
  parameters?: Json[];
  responses?: Record<string, { schema?: Json }>;
}
export interface Swagger {
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, Json>;
}
export type SchemaMode = 'strict' | 'lenient';

const strictId = 'https://magento.sandbox/admin-strict.json';
const lenientId = 'https://magento.sandbox/admin-lenient.json';
const rootOf = (mode: SchemaMode) => (mode === 'strict' ? strictId : lenientId);

/** Rewrites `#/definitions/x` into the registered root and adjusts each object schema for the mode. */
function transform(node: unknown, mode: SchemaMode, root: string, definitionName?: string): unknown {
  if (Array.isArray(node)) return node.map((n) => transform(n, mode, root));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'xml' || key === 'example' || key === 'description') continue;
    if (key === '$ref' && typeof value === 'string')
      out.$ref = value.replace(/^#\/definitions\//, `${root}#/definitions/`);
    else if (key === 'required' && mode === 'lenient') continue;
    else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, transform(v, mode, root)]));
    } else out[key] = transform(value, mode, root);
  }
  // Extension attributes are Magento's extension point: open in both modes. Everything else is closed when strict.
  const extension = definitionName?.endsWith('-extension-interface') ?? false;
  if (
    mode === 'strict' &&
    out.type === 'object' &&
    out.properties &&
    !extension &&
    out.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function buildAjv(doc: Swagger, mode: SchemaMode): Ajv {
  const root = rootOf(mode);
  const definitions = Object.fromEntries(
    Object.entries(doc.definitions).map(([name, def]) => [name, transform(def, mode, root, name)]),
  );
  if (mode === 'lenient') {
    // Published as an array of {resources, fieldName, fieldValue}, but Magento's ErrorProcessor sends the
    // phrase arguments: an array for %1-style messages, an object for %name-style ones.
    definitions['error-parameters'] = {
      anyOf: [
        {
          type: 'array',
          items: { anyOf: [{ type: 'string' }, { $ref: `${root}#/definitions/error-parameters-item` }] },
        },
        { type: 'object', additionalProperties: { type: 'string' } },
      ],
    };
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: root, definitions });
  return ajv;
}

export interface MagentoSchema {
  doc: Swagger;
  /** The schema's path template for a request path (`/V1/customers/7` → `/V1/customers/{customerId}`), or undefined. */
  templateFor(method: string, urlPath: string): string | undefined;
  bodySchema(template: string, method: string): Json | undefined;
  responseSchema(template: string, method: string, status: number): Json | undefined;
  /** A compiled validator, cached by key; `errorsText` reads its errors. */
  validatorFor(key: string, schema: Json, mode: SchemaMode): ValidateFunction;
  errorsText(validate: ValidateFunction, mode: SchemaMode): string;
  /** Why a request body does not fit the path's body parameter (strictly), or undefined when it does. */
  requestBodyProblem(method: string, urlPath: string, body: unknown): string | undefined;
}

export function loadMagentoSchema(): MagentoSchema {
  const doc = parse(readFileSync(magentoSchemaPath, 'utf8')) as Swagger;
  const ajv: Record<SchemaMode, Ajv> = { strict: buildAjv(doc, 'strict'), lenient: buildAjv(doc, 'lenient') };
  const compiled = new Map<string, ValidateFunction>();

  const templateFor = (method: string, urlPath: string): string | undefined => {
    const m = method.toLowerCase();
    const candidates = Object.keys(doc.paths).filter((template) => {
      if (!doc.paths[template]?.[m]) return false;
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return pattern.test(urlPath);
    });
    // A literal segment beats a parameter: /V1/customers/search over /V1/customers/{customerId}.
    return candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
  };
  const bodySchema = (template: string, method: string): Json | undefined =>
    doc.paths[template]?.[method.toLowerCase()]?.parameters?.find((p) => p.in === 'body')?.schema as Json | undefined;
  const responseSchema = (template: string, method: string, status: number): Json | undefined => {
    const responses = doc.paths[template]?.[method.toLowerCase()]?.responses ?? {};
    return (responses[String(status)] ?? (status >= 400 ? responses.default : undefined))?.schema;
  };
  const validatorFor = (key: string, schema: Json, mode: SchemaMode): ValidateFunction => {
    const cacheKey = `${mode}:${key}`;
    let validate = compiled.get(cacheKey);
    if (!validate) {
      validate = ajv[mode].compile(transform(schema, mode, rootOf(mode)) as Json);
      compiled.set(cacheKey, validate);
    }
    return validate;
  };
  const errorsText = (validate: ValidateFunction, mode: SchemaMode) => ajv[mode].errorsText(validate.errors);

  return {
    doc,
    templateFor,
    bodySchema,
    responseSchema,
    validatorFor,
    errorsText,
    requestBodyProblem(method, urlPath, body) {
      const template = templateFor(method, urlPath);
      if (!template) return `${method} ${urlPath}: no such path in the schema`;
      const schema = bodySchema(template, method);
      if (!schema) return `${method} ${template}: no body parameter in the schema`;
      const validate = validatorFor(`body ${method.toLowerCase()} ${template}`, schema, 'strict');
      return validate(body) ? undefined : `${method} ${urlPath}: ${errorsText(validate, 'strict')}`;
    },
  };
}
