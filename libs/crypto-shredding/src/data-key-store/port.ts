/**
 * Where per-subject data keys live, always wrapped by a key-encryption key. Adapters only
 * store and compare bytes: they never see a key-encryption key or an unwrapped data key.
 */

/** A live data key. `keyId` is random per key, so a token sealed under a destroyed key never matches a new one. */
export interface ActiveDataKey {
  readonly state: 'active';
  readonly subject: string;
  readonly keyId: string;
  readonly keyEncryptionKeyId: string;
  readonly wrappedKey: Uint8Array;
  readonly createdAt: Date;
}

/** A tombstone: the key material is gone for good, and the subject never gets a new key. */
export interface ForgottenDataKey {
  readonly state: 'forgotten';
  readonly subject: string;
  readonly forgottenAt: Date;
}

export type StoredDataKey = ActiveDataKey | ForgottenDataKey;

export interface DataKeyStore {
  /** Creates the table/collection and indexes if missing. Idempotent. */
  ensureSchema(): Promise<void>;

  get(subject: string): Promise<StoredDataKey | undefined>;

  /** Several subjects in one round trip (replays prefetch a page's keys); absent ones are left out. */
  getMany(subjects: readonly string[]): Promise<ReadonlyMap<string, StoredDataKey>>;

  /**
   * Stores `candidate` unless the subject already has a row, and returns what is stored. When
   * several processes race, exactly one candidate wins and every caller gets the winner; a
   * forgotten subject returns its tombstone and is never revived.
   */
  getOrCreate(candidate: ActiveDataKey): Promise<StoredDataKey>;

  /**
   * Destroys the subject's key material and leaves a tombstone. Irrevocable and idempotent;
   * forgetting a subject that never had a key also leaves a tombstone.
   */
  forget(subject: string): Promise<void>;

  /** Active keys wrapped by any key-encryption key other than the given one, oldest first. */
  findWrappedByOtherThan(keyEncryptionKeyId: string, limit: number): Promise<readonly ActiveDataKey[]>;

  /**
   * Replaces the wrapping of one key if it is still exactly `expected` (compare-and-set), so a
   * concurrent forget or rotation is never overwritten. Returns whether it replaced it.
   */
  rewrap(
    expected: ActiveDataKey,
    replacement: { readonly keyEncryptionKeyId: string; readonly wrappedKey: Uint8Array },
  ): Promise<boolean>;

  /** Releases connections the adapter opened itself. */
  close(): Promise<void>;
}
