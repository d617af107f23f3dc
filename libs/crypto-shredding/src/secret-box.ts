import { aeadDecrypt, aeadEncrypt, associatedData } from './aead.js';
import { SubjectForgottenError } from './errors.js';
import type { DataKey, SubjectKeys } from './subject-keys.js';
import { isSubject, type Subject } from './subjects.js';

const SEAL_CONTEXT = 'scheduler/sealed/v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A value sealed with AES-256-GCM under its subject's data key (envelope encryption: the data
 * key itself is stored wrapped by the key-encryption key). JSON-safe, and never valid where
 * a string, array or strict object is expected, so a consumer that forgets to open it fails
 * validation instead of treating ciphertext as data.
 */
export interface SealedValue {
  readonly $sealed: 'v1';
  readonly subject: Subject;
  /** The data key's random id: a value sealed under a destroyed key never opens with a later one. */
  readonly keyId: string;
  /** base64url, 12 bytes. */
  readonly iv: string;
  /** base64url ciphertext with its 16-byte tag. */
  readonly ciphertext: string;
}

export type OpenedValue =
  | { readonly outcome: 'opened'; readonly plaintext: Buffer }
  /** The subject's key was destroyed: the value is gone for good. */
  | { readonly outcome: 'forgotten' }
  /** The ciphertext does not authenticate: altered, or moved from another field, event or subject. */
  | { readonly outcome: 'tampered' };

const SEALED_FIELDS = ['$sealed', 'subject', 'keyId', 'iv', 'ciphertext'] as const;

/** Exactly the five own fields of a SealedValue, each a string (checked on every node of every replayed event: no sorting). */
export function isSealedValue(value: unknown): value is SealedValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const candidate = value as Record<string, unknown>;
  if (candidate.$sealed !== 'v1' || Object.keys(candidate).length !== SEALED_FIELDS.length) return false;
  for (const field of SEALED_FIELDS) {
    if (!Object.hasOwn(candidate, field) || typeof candidate[field] !== 'string') return false;
  }
  return true;
}

/** Seals values for one subject synchronously, after its key was looked up once. */
export class Sealer {
  constructor(private readonly dataKey: DataKey) {}

  get subject(): Subject {
    return this.dataKey.subject;
  }

  /** `context` names where the value lives (e.g. event id and field path); opening needs the same. */
  seal(plaintext: Uint8Array | string, context: string): SealedValue {
    const { subject, keyId, key } = this.dataKey;
    const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const { iv, ciphertext } = aeadEncrypt(key, bytes, associatedData(SEAL_CONTEXT, subject, keyId, context));
    return {
      $sealed: 'v1',
      subject,
      keyId,
      iv: iv.toString('base64url'),
      ciphertext: ciphertext.toString('base64url'),
    };
  }
}

/**
 * The one envelope-encryption mechanism: the crypto-shredding codec seals personal fields with
 * it, and token stores seal OAuth refresh tokens with it (under the user's subject, so forgetting
 * a user also shreds their tokens). Key-encryption-key rotation only re-wraps data keys; sealed
 * values never need rewriting.
 */
export class SecretBox {
  constructor(readonly keys: SubjectKeys) {}

  /** A sealer for the subject, or undefined once the subject was forgotten. */
  async sealerFor(subject: Subject): Promise<Sealer | undefined> {
    const key = await this.keys.forSealing(subject);
    return key.state === 'active' ? new Sealer(key.dataKey) : undefined;
  }

  /** Throws SubjectForgottenError for a forgotten subject. */
  async seal(subject: Subject, plaintext: Uint8Array | string, context: string): Promise<SealedValue> {
    const sealer = await this.sealerFor(subject);
    if (!sealer) throw new SubjectForgottenError(subject);
    return sealer.seal(plaintext, context);
  }

  /**
   * Never throws for a forgotten key or a tampered value (those are outcomes). It does throw for
   * a misconfigured key-encryption key and for store failures: both are fixable, and answering
   * "forgotten" instead would make read models drop data for good.
   */
  async open(sealed: SealedValue, context: string): Promise<OpenedValue> {
    // A subject or key id no seal() could have written means the stored value was altered.
    if (!isSubject(sealed.subject) || !KEY_ID.test(sealed.keyId)) return { outcome: 'tampered' };
    const dataKey = await this.keys.forOpening(sealed.subject, sealed.keyId);
    if (!dataKey) return { outcome: 'forgotten' };
    const plaintext = aeadDecrypt(
      dataKey.key,
      Buffer.from(sealed.iv, 'base64url'),
      Buffer.from(sealed.ciphertext, 'base64url'),
      associatedData(SEAL_CONTEXT, sealed.subject, sealed.keyId, context),
    );
    return plaintext ? { outcome: 'opened', plaintext } : { outcome: 'tampered' };
  }
}
