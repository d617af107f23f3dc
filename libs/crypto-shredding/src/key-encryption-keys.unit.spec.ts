import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { DataKeyUnwrapError, InvalidKeyEncryptionKeyError, UnknownKeyEncryptionKeyError } from './errors.js';
import { KeyEncryptionKeyRing } from './key-encryption-keys.js';

const newKey = (bytes = 32) => randomBytes(bytes).toString('base64');

function configError(build: () => unknown): InvalidKeyEncryptionKeyError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidKeyEncryptionKeyError);
    return error as InvalidKeyEncryptionKeyError;
  }
  throw new Error('expected InvalidKeyEncryptionKeyError');
}

describe('KeyEncryptionKeyRing configuration', () => {
  it.each([
    ['16 bytes', newKey(16), /must decode to 32 bytes .* decodes to 16/],
    ['31 bytes', newKey(31), /decodes to 31/],
    ['33 bytes', newKey(33), /decodes to 33/],
    ['not base64', 'this is not base64 at all!', /not base64/],
    ['empty', '', /no key material/],
  ])('rejects a key of %s with a clear typed error that never echoes the key', (_label, key, message) => {
    const error = configError(() => KeyEncryptionKeyRing.fromConfig({ primary: { id: 'k1', key } }));
    expect(error.keyEncryptionKeyId).toBe('k1');
    expect(error.message).toMatch(message);
    if (key) expect(error.message).not.toContain(key);
  });

  it('rejects a bad id, a duplicate id, and the same material under two ids', () => {
    expect(
      configError(() => KeyEncryptionKeyRing.fromConfig({ primary: { id: 'bad id!', key: newKey() } }))
        .message,
    ).toMatch(/id must be/);
    const key = newKey();
    expect(
      configError(() =>
        KeyEncryptionKeyRing.fromConfig({
          primary: { id: 'k1', key: newKey() },
          previous: [{ id: 'k1', key: newKey() }],
        }),
      ).message,
    ).toMatch(/configured twice/);
    expect(
      configError(() =>
        KeyEncryptionKeyRing.fromConfig({ primary: { id: 'k2', key }, previous: [{ id: 'k1', key }] }),
      ).message,
    ).toMatch(/same key material as "k2"/);
  });

  it('parses environment values "<id>:<base64>" with a comma-separated list of previous keys', () => {
    const ring = KeyEncryptionKeyRing.fromEnvironment({
      primary: `k3:${newKey()}`,
      previous: ` k2:${randomBytes(32).toString('base64url')}, k1:${newKey()} `,
    });
    expect(ring.primaryKeyId).toBe('k3');
    expect(ring.keyIds).toEqual(['k3', 'k2', 'k1']);
    expect(KeyEncryptionKeyRing.fromEnvironment({ primary: `k1:${newKey()}`, previous: '' }).keyIds).toEqual([
      'k1',
    ]);
    expect(configError(() => KeyEncryptionKeyRing.fromEnvironment({ primary: undefined })).message).toMatch(
      /no primary/,
    );
    expect(configError(() => KeyEncryptionKeyRing.fromEnvironment({ primary: newKey() })).message).toMatch(
      /expected "<id>:<base64 key>"/,
    );
  });
});

describe('KeyEncryptionKeyRing wrapping', () => {
  const first = { id: 'k1', key: newKey() };
  const second = { id: 'k2', key: newKey() };
  const dataKey = randomBytes(32);

  it('wraps with the primary key and unwraps with it', () => {
    const ring = KeyEncryptionKeyRing.fromConfig({ primary: first });
    const wrapped = ring.wrap('meeting:a', 'key-1', dataKey);
    expect(wrapped.keyEncryptionKeyId).toBe('k1');
    expect(Buffer.from(wrapped.wrappedKey).includes(dataKey)).toBe(false);
    expect(ring.unwrap('meeting:a', 'key-1', wrapped).equals(dataKey)).toBe(true);
  });

  it('unwraps with a previous key after rotation, and wraps with the new primary', () => {
    const before = KeyEncryptionKeyRing.fromConfig({ primary: first });
    const after = KeyEncryptionKeyRing.fromConfig({ primary: second, previous: [first] });
    const wrapped = before.wrap('meeting:a', 'key-1', dataKey);
    expect(after.unwrap('meeting:a', 'key-1', wrapped).equals(dataKey)).toBe(true);
    expect(after.wrap('meeting:a', 'key-1', dataKey).keyEncryptionKeyId).toBe('k2');
  });

  it('binds a wrapped key to its subject and key id', () => {
    const ring = KeyEncryptionKeyRing.fromConfig({ primary: first });
    const wrapped = ring.wrap('meeting:a', 'key-1', dataKey);
    expect(() => ring.unwrap('meeting:b', 'key-1', wrapped)).toThrow(DataKeyUnwrapError);
    expect(() => ring.unwrap('meeting:a', 'key-2', wrapped)).toThrow(DataKeyUnwrapError);
  });

  it('names the problem when the key material is wrong or the key is not configured', () => {
    const wrapped = KeyEncryptionKeyRing.fromConfig({ primary: first }).wrap('user:u1', 'key-1', dataKey);
    const wrongMaterial = KeyEncryptionKeyRing.fromConfig({ primary: { id: 'k1', key: newKey() } });
    expect(() => wrongMaterial.unwrap('user:u1', 'key-1', wrapped)).toThrow(
      /cannot unwrap the data key of user:u1 with key-encryption key "k1": the configured key material/,
    );
    const retiredTooEarly = KeyEncryptionKeyRing.fromConfig({ primary: second });
    expect(() => retiredTooEarly.unwrap('user:u1', 'key-1', wrapped)).toThrow(UnknownKeyEncryptionKeyError);
    expect(() => retiredTooEarly.unwrap('user:u1', 'key-1', wrapped)).toThrow(
      /"k1", which is not configured/,
    );
  });

  it('detects a wrapped key with a flipped bit', () => {
    const ring = KeyEncryptionKeyRing.fromConfig({ primary: first });
    const wrapped = ring.wrap('meeting:a', 'key-1', dataKey);
    const altered = Buffer.from(wrapped.wrappedKey);
    altered[20]! ^= 1;
    expect(() => ring.unwrap('meeting:a', 'key-1', { ...wrapped, wrappedKey: altered })).toThrow(
      DataKeyUnwrapError,
    );
  });
});

describe('KeyEncryptionKeyRing.derivedKey', () => {
  const material = newKey();
  const ring = KeyEncryptionKeyRing.fromConfig({ primary: { id: 'kek-1', key: material } });

  it('derives a stable key per purpose, unlike the key itself and unlike other purposes', () => {
    const first = ring.derivedKey('watch-channel-ids')!.export();
    expect(first).toHaveLength(32);
    expect(ring.derivedKey('watch-channel-ids', 'kek-1')!.export()).toEqual(first);
    expect(ring.derivedKey('another-purpose')!.export()).not.toEqual(first);
    expect(first).not.toEqual(Buffer.from(material, 'base64'));
    const again = KeyEncryptionKeyRing.fromConfig({ primary: { id: 'kek-1', key: material } });
    expect(again.derivedKey('watch-channel-ids')!.export()).toEqual(first);
    expect(ring.derivedKey('watch-channel-ids', 'unknown')).toBeUndefined();
  });
});
