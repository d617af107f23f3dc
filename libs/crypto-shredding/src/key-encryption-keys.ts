import { createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { aeadDecrypt, aeadEncrypt, associatedData, KEY_BYTES } from './aead.js';
import { DataKeyUnwrapError, InvalidKeyEncryptionKeyError, UnknownKeyEncryptionKeyError } from './errors.js';

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64_URL = /^[A-Za-z0-9_-]+={0,2}$/;
const WRAP_CONTEXT = 'scheduler/data-key/v1';

/** One key-encryption key as configured: an id (stored beside each wrapped key) and 32 bytes, base64. */
export interface KeyEncryptionKeyConfig {
  readonly id: string;
  /** 32 bytes, standard or URL-safe base64 (e.g. `openssl rand -base64 32`). */
  readonly key: string;
}

export interface KeyEncryptionKeysConfig {
  /** Wraps every new data key, and every data key that rotate() re-wraps. */
  readonly primary: KeyEncryptionKeyConfig;
  /** Retired keys, kept only to unwrap data keys until rotate() has re-wrapped them. */
  readonly previous?: readonly KeyEncryptionKeyConfig[];
}

/** A data key wrapped (AES-256-GCM) by a key-encryption key; the wrapped bytes are iv ‖ ciphertext ‖ tag. */
export interface WrappedKey {
  readonly keyEncryptionKeyId: string;
  readonly wrappedKey: Uint8Array;
}

function decodeKeyMaterial(config: KeyEncryptionKeyConfig): Buffer {
  const id = typeof config?.id === 'string' && config.id ? config.id : '(unnamed)';
  if (!KEY_ID.test(id)) {
    throw new InvalidKeyEncryptionKeyError(id, 'the id must be 1–64 characters of [A-Za-z0-9._-]');
  }
  const text = typeof config.key === 'string' ? config.key.trim() : '';
  if (!text) throw new InvalidKeyEncryptionKeyError(id, 'no key material is set');
  if (!BASE64.test(text) && !BASE64_URL.test(text)) {
    throw new InvalidKeyEncryptionKeyError(
      id,
      'the key is not base64 (generate one with `openssl rand -base64 32`)',
    );
  }
  const material = Buffer.from(text, BASE64.test(text) ? 'base64' : 'base64url');
  if (material.length !== KEY_BYTES) {
    throw new InvalidKeyEncryptionKeyError(
      id,
      `the key must decode to ${KEY_BYTES} bytes (AES-256), but it decodes to ${material.length}`,
    );
  }
  return material;
}

/**
 * The configured key-encryption keys (KEKs): a primary one that wraps, and previous ones that
 * only unwrap. Wrapping binds the wrapped data key to its subject and key id, so a stored row
 * copied onto another subject does not unwrap.
 */
export class KeyEncryptionKeyRing {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  readonly primaryKeyId: string;

  private constructor(primaryKeyId: string, keys: ReadonlyMap<string, KeyObject>) {
    this.primaryKeyId = primaryKeyId;
    this.keys = keys;
  }

  /** Validates the configuration; throws InvalidKeyEncryptionKeyError naming the bad key (never its material). */
  static fromConfig(config: KeyEncryptionKeysConfig): KeyEncryptionKeyRing {
    if (!config?.primary) throw new InvalidKeyEncryptionKeyError('(unnamed)', 'no primary key is configured');
    const keys = new Map<string, KeyObject>();
    const fingerprints = new Map<string, string>();
    for (const entry of [config.primary, ...(config.previous ?? [])]) {
      const material = decodeKeyMaterial(entry);
      if (keys.has(entry.id)) throw new InvalidKeyEncryptionKeyError(entry.id, 'the id is configured twice');
      // Two ids for one key would make rotation a no-op that looks like progress.
      const fingerprint = createHash('sha256').update(material).digest('hex');
      const twin = fingerprints.get(fingerprint);
      if (twin) throw new InvalidKeyEncryptionKeyError(entry.id, `it has the same key material as "${twin}"`);
      fingerprints.set(fingerprint, entry.id);
      keys.set(entry.id, createSecretKey(material));
    }
    return new KeyEncryptionKeyRing(config.primary.id, keys);
  }

  /**
   * From environment-style strings: `primary` is "<id>:<base64>", `previous` a comma-separated
   * list of the same (may be empty or undefined).
   */
  static fromEnvironment(values: {
    primary: string | undefined;
    previous?: string | undefined;
  }): KeyEncryptionKeyRing {
    const parseEntry = (text: string): KeyEncryptionKeyConfig => {
      const separator = text.indexOf(':');
      if (separator <= 0) {
        throw new InvalidKeyEncryptionKeyError('(unnamed)', 'expected "<id>:<base64 key>"');
      }
      return { id: text.slice(0, separator).trim(), key: text.slice(separator + 1) };
    };
    if (!values.primary?.trim())
      throw new InvalidKeyEncryptionKeyError('(unnamed)', 'no primary key is configured');
    const previous = (values.previous ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map(parseEntry);
    return KeyEncryptionKeyRing.fromConfig({ primary: parseEntry(values.primary.trim()), previous });
  }

  get keyIds(): readonly string[] {
    return [...this.keys.keys()];
  }

  /**
   * A 256-bit key for another purpose (e.g. authenticating ids we hand out), derived from a
   * key-encryption key with HKDF-SHA256: each purpose gets its own key, and none reveals the
   * key-encryption key. Derived keys rotate with the ring. Undefined for an unknown key id.
   */
  derivedKey(purpose: string, keyId: string = this.primaryKeyId): KeyObject | undefined {
    const key = this.keys.get(keyId);
    if (!key) return undefined;
    const derived = hkdfSync('sha256', key.export(), Buffer.alloc(0), `scheduler:${purpose}`, KEY_BYTES);
    return createSecretKey(Buffer.from(derived));
  }

  wrap(subject: string, keyId: string, dataKey: Uint8Array): WrappedKey {
    const { iv, ciphertext } = aeadEncrypt(
      this.keys.get(this.primaryKeyId)!,
      dataKey,
      associatedData(WRAP_CONTEXT, subject, keyId, this.primaryKeyId),
    );
    return { keyEncryptionKeyId: this.primaryKeyId, wrappedKey: Buffer.concat([iv, ciphertext]) };
  }

  /** Throws UnknownKeyEncryptionKeyError or DataKeyUnwrapError: both are configuration or integrity faults. */
  unwrap(subject: string, keyId: string, wrapped: WrappedKey): Buffer {
    const kek = this.keys.get(wrapped.keyEncryptionKeyId);
    if (!kek) throw new UnknownKeyEncryptionKeyError(wrapped.keyEncryptionKeyId, subject, this.keyIds);
    const bytes = Buffer.from(wrapped.wrappedKey);
    const dataKey = aeadDecrypt(
      kek,
      bytes.subarray(0, 12),
      bytes.subarray(12),
      associatedData(WRAP_CONTEXT, subject, keyId, wrapped.keyEncryptionKeyId),
    );
    if (!dataKey || dataKey.length !== KEY_BYTES) {
      throw new DataKeyUnwrapError(subject, wrapped.keyEncryptionKeyId);
    }
    return dataKey;
  }
}
