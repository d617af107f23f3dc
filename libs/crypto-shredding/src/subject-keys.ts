import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { KEY_BYTES } from './aead.js';
import type { ActiveDataKey, DataKeyStore } from './data-key-store/port.js';
import type { KeyEncryptionKeyRing } from './key-encryption-keys.js';
import { KeyCache } from './key-cache.js';
import { assertSubject, isSubject, type Subject } from './subjects.js';

/** An unwrapped data key, kept only in memory. */
export interface DataKey {
  readonly subject: Subject;
  readonly keyId: string;
  readonly key: KeyObject;
}

/** What a lookup for sealing yields: a key, or the news that the subject was forgotten. */
export type SealingKey =
  { readonly state: 'active'; readonly dataKey: DataKey } | { readonly state: 'forgotten' };

export interface SubjectKeysOptions {
  readonly store: DataKeyStore;
  readonly keyEncryptionKeys: KeyEncryptionKeyRing;
  /** Unwrapped keys kept in memory. Default 10 000 (≈ 1 MB). */
  readonly cacheMaxEntries?: number;
  /**
   * How long an unwrapped key is trusted without asking the store. It bounds how long another
   * process may still open a subject after it was forgotten here. Default 60 s.
   */
  readonly cacheTimeToLiveMs?: number;
  readonly now?: () => number;
}

export interface RotationReport {
  /** Data keys now wrapped by the primary key-encryption key. */
  readonly rewrapped: number;
  /** Keys that changed under us (forgotten or re-wrapped by another process) and were left alone. */
  readonly skipped: number;
}

const newKeyId = () => randomBytes(12).toString('base64url');

/**
 * Per-subject data keys: created on first use, unwrapped through the key-encryption key ring,
 * cached in a bounded LRU, destroyed by forget().
 */
export class SubjectKeys {
  private readonly store: DataKeyStore;
  private readonly keyEncryptionKeys: KeyEncryptionKeyRing;
  private readonly active: KeyCache<DataKey>;
  /** "<subject>\0<keyId>" of keys known destroyed: a key id never comes back, so this never goes stale. */
  private readonly destroyed: KeyCache<true>;

  constructor(options: SubjectKeysOptions) {
    this.store = options.store;
    this.keyEncryptionKeys = options.keyEncryptionKeys;
    const maxEntries = options.cacheMaxEntries ?? 10_000;
    const now = options.now ?? Date.now;
    this.active = new KeyCache(maxEntries, options.cacheTimeToLiveMs ?? 60_000, now);
    this.destroyed = new KeyCache(maxEntries, 24 * 60 * 60 * 1000, now);
  }

  /** The subject's key, created if it has none; `forgotten` once the subject was forgotten. */
  async forSealing(subject: Subject): Promise<SealingKey> {
    assertSubject(subject);
    const cached = this.active.get(subject);
    if (cached) return { state: 'active', dataKey: cached };
    let stored = await this.store.get(subject);
    let created: DataKey | undefined;
    if (!stored) {
      const material = randomBytes(KEY_BYTES);
      created = { subject, keyId: newKeyId(), key: createSecretKey(material) };
      const wrapped = this.keyEncryptionKeys.wrap(subject, created.keyId, material);
      stored = await this.store.getOrCreate({
        state: 'active',
        subject,
        keyId: created.keyId,
        ...wrapped,
        createdAt: new Date(),
      });
    }
    if (stored.state === 'forgotten') return { state: 'forgotten' };
    const dataKey = created && created.keyId === stored.keyId ? created : this.unwrap(stored);
    this.active.set(subject, dataKey);
    return { state: 'active', dataKey };
  }

  /** The key a value was sealed under, or undefined when it was destroyed (or never existed). */
  async forOpening(subject: Subject, keyId: string): Promise<DataKey | undefined> {
    const cached = this.active.get(subject);
    if (cached?.keyId === keyId) return cached;
    const destroyedKey = `${subject}\0${keyId}`;
    if (this.destroyed.get(destroyedKey)) return undefined;
    assertSubject(subject);
    const stored = await this.store.get(subject);
    if (stored?.state === 'active' && stored.keyId === keyId) {
      const dataKey = this.unwrap(stored);
      this.active.set(subject, dataKey);
      return dataKey;
    }
    this.destroyed.set(destroyedKey, true);
    return undefined;
  }

  /**
   * Loads, in one store round trip, the keys of every (subject, key id) not already known, so
   * that a replay of a page of events does not pay one round trip per subject.
   */
  async prefetch(references: Iterable<{ readonly subject: string; readonly keyId: string }>): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const { subject, keyId } of references) {
      if (this.active.get(subject)?.keyId === keyId || this.destroyed.get(`${subject}\0${keyId}`)) continue;
      if (!isSubject(subject)) continue; // opening reports it as tampered
      wanted.set(subject, (wanted.get(subject) ?? new Set()).add(keyId));
    }
    if (wanted.size === 0) return;
    const stored = await this.store.getMany([...wanted.keys()]);
    for (const [subject, keyIds] of wanted) {
      const row = stored.get(subject);
      for (const keyId of keyIds) {
        if (row?.state === 'active' && row.keyId === keyId) this.active.set(subject, this.unwrap(row));
        else this.destroyed.set(`${subject}\0${keyId}`, true);
      }
    }
  }

  /** Destroys the subject's key in the store and in this process's cache. Irrevocable; idempotent. */
  async forget(subject: Subject): Promise<void> {
    assertSubject(subject);
    // The cached buffer is not zeroed: an encode that already holds it would then seal under zeros.
    this.active.delete(subject);
    await this.store.forget(subject);
  }

  /**
   * Re-wraps every data key not yet wrapped by the primary key-encryption key, in batches, a few
   * at a time (each re-wrap is its own small commit). Safe to run while the services run, and to
   * run again after a crash: it resumes from whatever is still wrapped by an old key.
   */
  async rotate(
    options: {
      batchSize?: number;
      concurrency?: number;
      /** Called after every batch with the totals so far (an operator's progress). */
      onProgress?: (progress: RotationReport) => void;
    } = {},
  ): Promise<RotationReport> {
    const batchSize = options.batchSize ?? 500;
    const concurrency = options.concurrency ?? 4;
    const primary = this.keyEncryptionKeys.primaryKeyId;
    let rewrapped = 0;
    let skipped = 0;
    const passedOver = new Set<string>();
    const rewrapOne = async (stored: ActiveDataKey) => {
      const material = this.keyEncryptionKeys.unwrap(stored.subject, stored.keyId, stored);
      const replacement = this.keyEncryptionKeys.wrap(stored.subject, stored.keyId, material);
      if (await this.store.rewrap(stored, replacement)) {
        rewrapped++;
      } else {
        // Forgotten or re-wrapped meanwhile: never loop on it.
        skipped++;
        passedOver.add(stored.subject);
      }
    };
    for (;;) {
      const batch = (await this.store.findWrappedByOtherThan(primary, batchSize + passedOver.size))
        .filter((key) => !passedOver.has(key.subject))
        .slice(0, batchSize);
      if (batch.length === 0) return { rewrapped, skipped };
      for (let start = 0; start < batch.length; start += concurrency) {
        await Promise.all(batch.slice(start, start + concurrency).map(rewrapOne));
      }
      options.onProgress?.({ rewrapped, skipped });
    }
  }

  /** Forgets every cached key (e.g. in tests, or after an operator rotated keys out of band). */
  clearCache(): void {
    this.active.clear();
    this.destroyed.clear();
  }

  private unwrap(stored: ActiveDataKey): DataKey {
    return {
      subject: stored.subject,
      keyId: stored.keyId,
      key: createSecretKey(this.keyEncryptionKeys.unwrap(stored.subject, stored.keyId, stored)),
    };
  }
}
