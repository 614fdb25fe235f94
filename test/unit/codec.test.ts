import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  EncryptionCodec,
  EncryptionConfigError,
  encryptionKeysFromEnv,
  KEY_ID_METADATA,
  parseEncryptionKeys,
  PayloadDecryptionError,
} from '../../shared/codec';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const payload = defaultPayloadConverter.toPayload({ prompt: 'the secret plan' });

describe('encryption codec', () => {
  it('round-trips and hides the payload, metadata included', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(`a:${keyA}`));
    const [encrypted] = await codec.encode([payload]);
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('secret plan');
    expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe('a');
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual({ prompt: 'the secret plan' });
  });

  it('encrypts with the newest key and still decrypts with older ones', async () => {
    const [underA] = await new EncryptionCodec(parseEncryptionKeys(`a:${keyA}`)).encode([payload]);
    const rotated = new EncryptionCodec(parseEncryptionKeys(`a:${keyA},b:${keyB}`));
    const [underB] = await rotated.encode([payload]);
    expect(Buffer.from(underB!.metadata![KEY_ID_METADATA]!).toString()).toBe('b');
    const decoded = await rotated.decode([underA!, underB!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { prompt: 'the secret plan' },
      { prompt: 'the secret plan' },
    ]);
    await expect(new EncryptionCodec(parseEncryptionKeys(`b:${keyB}`)).decode([underA!])).rejects.toThrow(
      PayloadDecryptionError,
    );
  });

  it('refuses tampered data and a swapped key id', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(`a:${keyA},b:${keyB}`));
    const [encrypted] = await codec.encode([payload]);
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow('failed authentication');
    const swapped = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('a') } };
    await expect(codec.decode([swapped])).rejects.toThrow('failed authentication');
  });

  it('passes unencrypted payloads through on decode', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(`a:${keyA}`));
    await expect(codec.decode([payload])).resolves.toEqual([payload]);
  });

  it('reads keys from the environment or a keys file, and names what is wrong', () => {
    expect(encryptionKeysFromEnv({})).toBeUndefined();
    expect(encryptionKeysFromEnv({ REINS_ENCRYPTION_KEYS: `a:${keyA}, b:${keyB}` })?.map((k) => k.id)).toEqual([
      'a',
      'b',
    ]);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'reins-keys-')), 'keys');
    writeFileSync(file, `# oldest first\n2024:${keyA}\n2025:${keyB}\n`);
    expect(encryptionKeysFromEnv({ REINS_ENCRYPTION_KEYS_FILE: file })?.map((k) => k.id)).toEqual(['2024', '2025']);
    expect(() => parseEncryptionKeys('a:c2hvcnQ=')).toThrow(/key "a" is 5 bytes; AES-256 needs 32/);
    expect(() => parseEncryptionKeys(keyA)).toThrow(EncryptionConfigError);
    expect(() => parseEncryptionKeys(`a:${keyA},a:${keyB}`)).toThrow('appears twice');
  });
});
