import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError } from '../../config/env';
import { EncryptionCodec } from '../../config/payloadCodec';

const key = () => randomBytes(32).toString('base64');
const payload = (value: unknown) => defaultPayloadConverter.toPayload(value);

describe('payload encryption codec', () => {
  it('round-trips payloads and leaves no plaintext in what is stored', async () => {
    const codec = new EncryptionCodec([key()]);
    const [encoded] = await codec.encode([payload({ customer_email: 'ada@example.com' })]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('ada@example.com');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ customer_email: 'ada@example.com' });
  });

  it('still reads payloads of the previous key while a new key is rolled in, and says which key it lacks', async () => {
    const [oldKey, newKey] = [key(), key()];
    const [old] = await new EncryptionCodec([oldKey]).encode([payload('old')]);
    const rolled = new EncryptionCodec([newKey, oldKey]);
    expect(defaultPayloadConverter.fromPayload((await rolled.decode([old!]))[0]!)).toBe('old');
    await expect(new EncryptionCodec([newKey]).decode([old!])).rejects.toThrow(
      /not among PAYLOAD_ENCRYPTION_KEY's keys/,
    );
  });

  it('refuses a tampered payload', async () => {
    const codec = new EncryptionCodec([key()]);
    const [encoded] = await codec.encode([payload('amount 1999')]);
    encoded!.data![20]! ^= 1;
    await expect(codec.decode([encoded!])).rejects.toThrow();
  });

  it('passes unencrypted payloads through (histories written before the key was set)', async () => {
    const plain = payload('plain');
    expect(await new EncryptionCodec([key()]).decode([plain])).toEqual([plain]);
  });

  it('stops start-up on a key that is not 32 bytes', () => {
    expect(() => new EncryptionCodec(['c2hvcnQ='])).toThrow(ConfigError);
  });
});
