/** Every byte field of a history (payload data, metadata values), decoded as Latin-1, joined: what a reader of the raw history sees. */
export function everyByteString(value: unknown, out: string[] = []): string {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('latin1'));
  else if (Array.isArray(value)) for (const v of value) everyByteString(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) everyByteString(v, out);
  return out.join('\n');
}
