import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ActiveDataKey, DataKeyStore } from './port.js';

/**
 * The one conformance suite every DataKeyStore adapter passes. Adapters store
 * opaque bytes, so the suite needs no key-encryption key.
 */
export function describeDataKeyStoreConformance(
  adapter: string,
  openStore: () => Promise<{ store: DataKeyStore; cleanUp(): Promise<void> }>,
): void {
  describe(`DataKeyStore conformance: ${adapter}`, () => {
    let store: DataKeyStore;
    let cleanUp: () => Promise<void>;
    let counter = 0;
    const subject = () => `meeting:conformance-${Date.now()}-${counter++}`;
    const candidate = (forSubject: string, keyEncryptionKeyId = 'kek-1'): ActiveDataKey => ({
      state: 'active',
      subject: forSubject,
      keyId: randomBytes(12).toString('base64url'),
      keyEncryptionKeyId,
      wrappedKey: randomBytes(60),
      createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
    });

    beforeAll(async () => {
      ({ store, cleanUp } = await openStore());
      await store.ensureSchema();
      await store.ensureSchema(); // idempotent
    });
    afterAll(async () => {
      await store?.close();
      await cleanUp?.();
    });

    it('returns undefined for a subject without a key', async () => {
      expect(await store.get(subject())).toBeUndefined();
    });

    it('reads several subjects in one call, leaving out those without a row', async () => {
      const active = candidate(subject());
      await store.getOrCreate(active);
      const forgotten = subject();
      await store.forget(forgotten);
      const absent = subject();
      const found = await store.getMany([active.subject, forgotten, absent, active.subject]);
      expect([...found.keys()].sort()).toEqual([active.subject, forgotten].sort());
      expect(found.get(active.subject)).toMatchObject({ state: 'active', keyId: active.keyId });
      expect(found.get(forgotten)).toMatchObject({ state: 'forgotten' });
      expect((await store.getMany([])).size).toBe(0);
    });

    it('stores a new key and returns it unchanged', async () => {
      const key = candidate(subject());
      const stored = await store.getOrCreate(key);
      expect(stored).toEqual({ ...key, wrappedKey: Buffer.from(key.wrappedKey) });
      const read = await store.get(key.subject);
      expect(read).toMatchObject({ state: 'active', keyId: key.keyId, keyEncryptionKeyId: 'kek-1' });
      expect(Buffer.from((read as ActiveDataKey).wrappedKey).equals(Buffer.from(key.wrappedKey))).toBe(true);
    });

    it('keeps the first key when a second one is offered', async () => {
      const first = candidate(subject());
      await store.getOrCreate(first);
      const second = await store.getOrCreate(candidate(first.subject));
      expect(second).toMatchObject({ state: 'active', keyId: first.keyId });
    });

    it('lets exactly one of many concurrent creators win, and tells every one of them the winner', async () => {
      const contested = subject();
      const candidates = Array.from({ length: 12 }, () => candidate(contested));
      const results = await Promise.all(candidates.map((key) => store.getOrCreate(key)));
      const winners = new Set(results.map((result) => (result as ActiveDataKey).keyId));
      expect(winners.size).toBe(1);
      expect(candidates.map((key) => key.keyId)).toContain([...winners][0]);
      expect(await store.get(contested)).toMatchObject({ keyId: [...winners][0] });
    });

    it('forgets a key irrevocably, idempotently, and never revives the subject', async () => {
      const key = candidate(subject());
      await store.getOrCreate(key);
      await store.forget(key.subject);
      const forgotten = await store.get(key.subject);
      expect(forgotten).toMatchObject({ state: 'forgotten', subject: key.subject });
      expect(forgotten).not.toHaveProperty('wrappedKey');
      await store.forget(key.subject);
      expect(await store.get(key.subject)).toEqual(forgotten);
      expect(await store.getOrCreate(candidate(key.subject))).toEqual(forgotten);
    });

    it('leaves a tombstone when forgetting a subject that never had a key', async () => {
      const never = subject();
      await store.forget(never);
      expect(await store.get(never)).toMatchObject({ state: 'forgotten' });
      expect(await store.getOrCreate(candidate(never))).toMatchObject({ state: 'forgotten' });
    });

    it('finds the keys wrapped by other key-encryption keys, and re-wraps them with compare-and-set', async () => {
      const old = await store.getOrCreate(candidate(subject(), `kek-old-${counter}`));
      const current = await store.getOrCreate(candidate(subject(), 'kek-new'));
      const gone = candidate(subject(), `kek-old-${counter}`);
      await store.getOrCreate(gone);
      await store.forget(gone.subject);

      const found = await store.findWrappedByOtherThan('kek-new', 10_000);
      const subjects = found.map((key) => key.subject);
      expect(subjects).toContain(old.subject);
      expect(subjects).not.toContain(current.subject);
      expect(subjects).not.toContain(gone.subject);

      const replacement = { keyEncryptionKeyId: 'kek-new', wrappedKey: randomBytes(60) };
      expect(await store.rewrap(old as ActiveDataKey, replacement)).toBe(true);
      // A second rewrap from the same stale view changes nothing.
      expect(await store.rewrap(old as ActiveDataKey, { ...replacement, wrappedKey: randomBytes(60) })).toBe(
        false,
      );
      const read = (await store.get(old.subject)) as ActiveDataKey;
      expect(read.keyEncryptionKeyId).toBe('kek-new');
      expect(Buffer.from(read.wrappedKey).equals(replacement.wrappedKey)).toBe(true);
      expect(read.keyId).toBe((old as ActiveDataKey).keyId);
      expect((await store.findWrappedByOtherThan('kek-new', 10_000)).map((key) => key.subject)).not.toContain(
        old.subject,
      );
    });

    it('never re-wraps a key that was forgotten meanwhile', async () => {
      const key = candidate(subject(), 'kek-old');
      await store.getOrCreate(key);
      await store.forget(key.subject);
      expect(await store.rewrap(key, { keyEncryptionKeyId: 'kek-new', wrappedKey: randomBytes(60) })).toBe(
        false,
      );
      expect(await store.get(key.subject)).toMatchObject({ state: 'forgotten' });
    });

    it('honours the limit of findWrappedByOtherThan', async () => {
      const kek = `kek-limit-${counter}`;
      for (let index = 0; index < 3; index++) await store.getOrCreate(candidate(subject(), kek));
      expect((await store.findWrappedByOtherThan('kek-new', 2)).length).toBe(2);
    });
  });
}
