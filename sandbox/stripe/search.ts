import { invalidRequest } from './errors';

/**
 * Stripe's Search query language, as far as the sandbox needs it: clauses `field:'value'` and `metadata['key']:'value'`
 * joined by AND (https://docs.stripe.com/search#search-query-language). Anything else is refused, as Stripe refuses a
 * query it cannot parse.
 */
export function searchMatcher(query: string): (object: object) => boolean {
  const clauses = query.split(/\s+AND\s+/).map((clause) => {
    const match = /^\s*(metadata\['([^']+)'\]|[a-z_]+):'([^']*)'\s*$/.exec(clause);
    if (!match) throw invalidRequest(`Invalid search query: ${query}`, { param: 'query' });
    const [, , metadataKey, value] = match;
    const field = metadataKey === undefined ? clause.trim().split(':')[0]! : undefined;
    return (object: object) => {
      if (metadataKey !== undefined) {
        const metadata: unknown = Reflect.get(object, 'metadata');
        return typeof metadata === 'object' && metadata !== null && Reflect.get(metadata, metadataKey) === value;
      }
      return String(Reflect.get(object, field!) ?? '') === value;
    };
  });
  return (object) => clauses.every((matches) => matches(object));
}
