import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { commaList, ConfigError } from './env';

const encodingEncrypted = 'binary/encrypted';
const keyIdMetadata = 'encryption-key-id';
const ivBytes = 12;
const tagBytes = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Key {
  id: string;
  secret: Buffer;
}

function parseKey(text: string): Key {
  const secret = Buffer.from(text.trim(), 'base64');
  if (secret.length !== 32)
    throw new ConfigError(
      'invalid configuration:\n  PAYLOAD_ENCRYPTION_KEY: expected 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)',
    );
  return { id: createHash('sha256').update(secret).digest('hex').slice(0, 16), secret };
}

/**
 * AES-256-GCM over every payload (workflow inputs, activity results, signals, memos), so workflow history, which holds
 * customers' names and addresses, is encrypted at rest in Temporal. The first key encrypts; every listed key decrypts,
 * so a key can be rolled while old histories remain readable.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Key[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new ConfigError('invalid configuration:\n  PAYLOAD_ENCRYPTION_KEY: no key given');
    this.keys = keys.map(parseKey);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys[0]!;
    return payloads.map((payload) => {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', key.secret, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(encodingEncrypted),
          [keyIdMetadata]: encoder.encode(key.id),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decoder.decode(encoding) !== encodingEncrypted) return payload;
      const keyId = decoder.decode(payload.metadata?.[keyIdMetadata] ?? new Uint8Array());
      const key = this.keys.find((k) => k.id === keyId);
      if (!key)
        throw new Error(`payload encrypted with key ${keyId}, which is not among PAYLOAD_ENCRYPTION_KEY's keys`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key.secret, data.subarray(0, ivBytes));
      decipher.setAuthTag(data.subarray(data.length - tagBytes));
      const plain = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** The payload codec of the product (also served to the Web UI at `/codec`): encryption when PAYLOAD_ENCRYPTION_KEY is set, none otherwise. */
export function payloadCodecFrom(env: { PAYLOAD_ENCRYPTION_KEY?: string }): EncryptionCodec | undefined {
  const keys = commaList(env.PAYLOAD_ENCRYPTION_KEY);
  return keys.length > 0 ? new EncryptionCodec(keys) : undefined;
}

/** The module every client, worker and workflow bundle loads its failure converter from (config/failureConverter.ts). */
export const failureConverterPath = require.resolve('./failureConverter');

/**
 * The data converter of every client and worker: encrypted payloads when PAYLOAD_ENCRYPTION_KEY is set, plain
 * otherwise; failure messages and stack traces always travel as a payload, so the same key encrypts them too.
 */
export function dataConverterFrom(env: { PAYLOAD_ENCRYPTION_KEY?: string }): DataConverter {
  const codec = payloadCodecFrom(env);
  return { failureConverterPath, ...(codec ? { payloadCodecs: [codec] } : {}) };
}
