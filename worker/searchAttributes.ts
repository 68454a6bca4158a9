import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { status as grpcStatus } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../config/env';
import { searchAttributeKeys } from '../domain/searchAttributes';

const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

export interface SearchAttributesOutcome {
  /** The product's attributes this worker added; empty when the namespace had them all. */
  added: string[];
}

/** What an operator runs to add them by hand, where the worker may not (Temporal Cloud API keys, say). */
export function searchAttributeCommands(namespace: string, names: readonly string[]): string[] {
  return names.map(
    (name) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword`,
  );
}

/**
 * The product's search attributes (domain/searchAttributes.ts) on the worker's namespace: the ones missing are added
 * through the operator service. Several workers starting at once may all add them: Temporal answers the later ones
 * "already exists", which is success here. Where the credentials may not add them, the worker does not start (its runs
 * would fail on their first search-attribute write): the error names each missing attribute and the command to add it.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<SearchAttributesOutcome> {
  const existing = await presentNames(connection, namespace);
  const missing = searchAttributeKeys.map((key) => key.name).filter((name) => !existing.has(name));
  if (missing.length === 0) return { added: [] };
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, keyword])),
    });
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === grpcStatus.ALREADY_EXISTS) return { added: [] };
    if (isGrpcServiceError(err) && [grpcStatus.PERMISSION_DENIED, grpcStatus.UNAUTHENTICATED].includes(err.code))
      throw new ConfigError(
        `namespace ${namespace} lacks the search attributes ${missing.join(', ')}, and these credentials may not add ` +
          `them (${err.details || err.message}). Add them, then start the worker again:\n  ` +
          searchAttributeCommands(namespace, missing).join('\n  ') +
          '\n(Temporal Cloud: the namespace settings in the Web UI, or tcld namespace search-attributes add.)',
      );
    throw err;
  }
  return { added: missing };
}

async function presentNames(connection: Connection, namespace: string): Promise<Set<string>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return new Set(Object.keys(customAttributes ?? {}));
}
