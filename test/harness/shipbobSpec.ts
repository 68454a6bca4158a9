import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * ShipBob's own 2026-01 OpenAPI 3.0 spec (`../shared/contracts/shipbob/openapi-2026-01.json`, or `SHIPBOB_SPEC_PATH`)
 * as validators for the requests the product sends and the answers the sandbox gives. The file is read where it is,
 * never copied into the repo. OpenAPI 3.0 is not JSON Schema, so each schema is converted (see `convert`).
 */
const repoRoot = path.resolve(__dirname, '../..');
export const shipBobSpecPath =
  process.env.SHIPBOB_SPEC_PATH ?? path.resolve(repoRoot, '../shared/contracts/shipbob/openapi-2026-01.json');

/** `describe`, or `describe.skip` with a notice naming the missing file. */
export function describeIfShipBobSpec(what: string): jest.Describe {
  if (existsSync(shipBobSpecPath)) return describe;
  console.warn(`${what} skipped: no ShipBob OpenAPI spec at ${shipBobSpecPath} (set SHIPBOB_SPEC_PATH).`);
  return describe.skip;
}

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'query' | 'header' | 'path' | 'cookie';
  required?: boolean;
  schema?: Json;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Json }>; required?: boolean };
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
  security?: Json[];
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

/** One HTTP exchange as seen on the wire. */
export interface Exchange {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw request body ('' when none). */
  body: string;
  status: number;
  responseBody: string;
}

export type Direction = 'request' | 'response';
const componentRef = /^#\/components\/schemas\//;

/**
 * OpenAPI 3.0 → JSON Schema, per ShipBob's generator's habits:
 * - `nullable: true` admits null;
 * - keywords beside a `$ref` are ignored (OpenAPI 3.0 says so; ShipBob writes `additionalProperties: false` there);
 * - `additionalProperties: false` only closes a schema that lists `properties` (ShipBob also writes it on strings,
 *   arrays and `oneOf` wrappers, where JSON Schema would refuse every property);
 * - `allOf: [$ref base]` on an object (C# inheritance) merges the base's properties and required fields into it,
 *   since both halves are closed and would otherwise refuse each other's fields;
 * - in responses `oneOf` is read as `anyOf`: `InternalShipmentViewModel` extends `ShipmentViewModel`, so a shipment
 *   always fits both. Requests keep `oneOf`.
 */
function convert(node: unknown, spec: Spec, direction: Direction, root: string): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, spec, direction, root));
  if (!node || typeof node !== 'object') return node;
  const input = node as Json;
  if (typeof input.$ref === 'string') return { $ref: input.$ref.replace(componentRef, `${root}#/definitions/`) };
  const merged = mergeAllOf(input, spec);
  const out: Json = {};
  for (const [key, value] of Object.entries(merged)) {
    if (key === 'example' || key === 'examples' || key === 'description' || key === 'nullable') continue;
    if (key === 'additionalProperties' && value === false && !merged.properties) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Json).map(([k, v]) => [k, convert(v, spec, direction, root)]),
      );
    } else if (key === 'oneOf' && direction === 'response') out.anyOf = convert(value, spec, direction, root);
    else out[key] = convert(value, spec, direction, root);
  }
  if (merged.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

function mergeAllOf(schema: Json, spec: Spec): Json {
  if (!Array.isArray(schema.allOf) || !schema.properties) return schema;
  const { allOf, ...rest } = schema;
  const properties: Json = { ...(rest.properties as Json) };
  const required = new Set<string>((rest.required as string[] | undefined) ?? []);
  for (const part of allOf as Json[]) {
    const ref = typeof part.$ref === 'string' ? part.$ref.replace(componentRef, '') : undefined;
    const base = mergeAllOf(ref ? (spec.components.schemas[ref] ?? {}) : part, spec);
    for (const [name, property] of Object.entries((base.properties as Json | undefined) ?? {})) {
      // Both define it (the base's `quantity` has the minimum): it must fit both.
      properties[name] = name in properties ? { allOf: [properties[name], property] } : property;
    }
    for (const name of (base.required as string[] | undefined) ?? []) required.add(name);
  }
  return { ...rest, properties, ...(required.size > 0 ? { required: [...required] } : {}) };
}

const int32 = (n: number) => Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647;

function buildAjv(spec: Spec, direction: Direction, root: string): Ajv {
  const definitions = Object.fromEntries(
    Object.entries(spec.components.schemas).map(([name, s]) => [name, convert(s, spec, direction, root)]),
  );
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: int32 });
  ajv.addFormat('int64', { type: 'number', validate: Number.isInteger });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('postal-code', { type: 'string', validate: () => true });
  ajv.addSchema({ $id: root, definitions });
  return ajv;
}

export interface ShipBobSpec {
  /** The spec's path template for a request path (`/2026-01/order/7:cancel` → `/2026-01/order/{orderId}:cancel`). */
  templateFor(method: string, urlPath: string): string | undefined;
  /** Every way the request breaks the spec (none: []). `extraQuery` names query parameters allowed beyond the spec's. */
  requestProblems(exchange: Omit<Exchange, 'status' | 'responseBody'>, extraQuery?: readonly string[]): string[];
  /** Every way the answer breaks the spec's response for its status (none: []). */
  responseProblems(exchange: Exchange): string[];
  /** The body against the operation's request body schema, for the validator's self-check. */
  bodyProblems(method: string, template: string, body: unknown): string[];
}

export function loadShipBobSpec(): ShipBobSpec {
  const spec = JSON.parse(readFileSync(shipBobSpecPath, 'utf8')) as Spec;
  const roots: Record<Direction, string> = {
    request: 'https://shipbob.sandbox/request.json',
    response: 'https://shipbob.sandbox/response.json',
  };
  const ajv: Record<Direction, Ajv> = {
    request: buildAjv(spec, 'request', roots.request),
    response: buildAjv(spec, 'response', roots.response),
  };
  const compiled = new Map<string, ValidateFunction>();
  const validate = (direction: Direction, key: string, schema: Json, value: unknown): string[] => {
    const cacheKey = `${direction} ${key}`;
    let fn = compiled.get(cacheKey);
    if (!fn)
      compiled.set(cacheKey, (fn = ajv[direction].compile(convert(schema, spec, direction, roots[direction]) as Json)));
    return fn(value)
      ? []
      : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };

  const patternOf = (template: string) =>
    new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/:]+)')}$`);
  const templateFor = (method: string, urlPath: string): string | undefined =>
    Object.keys(spec.paths)
      .filter((t) => spec.paths[t]?.[method.toLowerCase()] && patternOf(t).test(urlPath))
      // A literal segment beats a parameter.
      .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];

  /** A parameter's text value against its schema (numbers, booleans and int32 strings; others as strings). */
  const parameterProblem = (param: Parameter, raw: string): string | undefined => {
    const schema = param.schema ?? {};
    const numeric = schema.type === 'number' || schema.type === 'integer' || schema.format === 'int32';
    if (numeric) {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) return `${param.in} ${param.name}=${raw} is not a number`;
      const n = Number(raw);
      if (schema.format === 'int32' && !int32(n)) return `${param.in} ${param.name}=${raw} is not an int32`;
      if (typeof schema.minimum === 'number' && n < schema.minimum) return `${param.name} below ${schema.minimum}`;
      if (typeof schema.maximum === 'number' && n > schema.maximum) return `${param.name} above ${schema.maximum}`;
    }
    if (schema.type === 'boolean' && raw !== 'true' && raw !== 'false') return `${param.name}=${raw} is not a boolean`;
    return undefined;
  };

  return {
    templateFor,
    requestProblems(exchange, extraQuery = []) {
      const url = new URL(exchange.url, 'http://sandbox.invalid');
      const template = templateFor(exchange.method, url.pathname);
      if (!template) return [`${exchange.method} ${url.pathname}: no such operation in the spec`];
      const where = `${exchange.method} ${template}`;
      const operation = spec.paths[template]![exchange.method.toLowerCase()]!;
      const params = operation.parameters ?? [];
      const problems: string[] = [];

      const values = patternOf(template).exec(url.pathname)!.slice(1);
      const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      names.forEach((name, i) => {
        const param = params.find((p) => p.in === 'path' && p.name === name);
        if (!param) problems.push(`${where}: path parameter ${name} is not declared`);
        else {
          const problem = parameterProblem(param, decodeURIComponent(values[i]!));
          if (problem) problems.push(`${where}: ${problem}`);
        }
      });

      for (const [name, value] of url.searchParams) {
        const param = params.find((p) => p.in === 'query' && p.name === name);
        if (!param && !extraQuery.includes(name)) problems.push(`${where}: unknown query parameter ${name}`);
        const problem = param && parameterProblem(param, value);
        if (problem) problems.push(`${where}: ${problem}`);
      }

      for (const param of params.filter((p) => p.in === 'header')) {
        const value = exchange.headers[param.name.toLowerCase()];
        if (value === undefined) {
          if (param.required) problems.push(`${where}: required header ${param.name} missing`);
          continue;
        }
        const problem = parameterProblem(param, String(value));
        if (problem) problems.push(`${where}: ${problem}`);
      }
      if ((operation.security?.length ?? 0) > 0 && !/^Bearer \S+/.test(String(exchange.headers.authorization ?? ''))) {
        problems.push(`${where}: no bearer token`);
      }

      const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
      if (!bodySchema) {
        if (exchange.body !== '') problems.push(`${where}: sends a body the operation does not take`);
      } else if (exchange.body === '') {
        if (operation.requestBody?.required !== false) problems.push(`${where}: no request body`);
      } else {
        if (!String(exchange.headers['content-type'] ?? '').startsWith('application/json'))
          problems.push(`${where}: body is not application/json`);
        problems.push(
          ...validate('request', `body ${where}`, bodySchema, JSON.parse(exchange.body)).map((p) => `${where}: ${p}`),
        );
      }
      return problems;
    },
    responseProblems(exchange) {
      const url = new URL(exchange.url, 'http://sandbox.invalid');
      const template = templateFor(exchange.method, url.pathname);
      if (!template) return [`${exchange.method} ${url.pathname}: no such operation in the spec`];
      const where = `${exchange.method} ${template} → ${exchange.status}`;
      const responses = spec.paths[template]![exchange.method.toLowerCase()]!.responses ?? {};
      const response = responses[String(exchange.status)] ?? responses.default;
      if (!response) return [`${where}: a status the spec does not list`];
      const schema = response.content?.['application/json']?.schema;
      if (!schema) return [];
      let body: unknown;
      try {
        body = JSON.parse(exchange.responseBody);
      } catch {
        return [`${where}: the answer is not JSON`];
      }
      return validate('response', `response ${where}`, schema, body).map((p) => `${where}: ${p}`);
    },
    bodyProblems(method, template, body) {
      const schema = spec.paths[template]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;
      if (!schema) return [`${method} ${template}: takes no body`];
      return validate('request', `body ${method.toUpperCase()} ${template}`, schema, body);
    },
  };
}
