import { createHash } from 'node:crypto';
import { stableJson, type SyncedCustomer } from '../domain/customerMapping';

/** sha256 of the synced fields' stable JSON (hex): equal fields, equal hash, on every side and in every key order. */
export function syncHash(synced: SyncedCustomer): string {
  return createHash('sha256').update(stableJson(synced)).digest('hex');
}
