import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createKeyStoreRoles, type KeyStoreRoles } from '@scheduler/local-infra';
import { isolatedSchema, uniqueName, type IsolatedSchema } from '@scheduler/testing';
import type { ActiveDataKey } from './port.js';
import { PostgresDataKeyStore } from './postgres.js';

const candidate = (subject: string): ActiveDataKey => ({
  state: 'active',
  subject,
  keyId: randomBytes(12).toString('base64url'),
  keyEncryptionKeyId: 'kek-1',
  wrappedKey: randomBytes(60),
  createdAt: new Date(),
});

/** PostgreSQL's "insufficient privilege". */
const permissionDenied = expect.objectContaining({ code: '42501' });

describe('the data-key store under its two roles', () => {
  let schema: IsolatedSchema;
  let roles: KeyStoreRoles;
  let keeper: PostgresDataKeyStore;
  let writer: PostgresDataKeyStore;
  let writerPool: pg.Pool;

  beforeAll(async () => {
    schema = await isolatedSchema('data_key_roles');
    roles = await createKeyStoreRoles(schema.connectionString, {
      keeper: uniqueName('keys_keeper'),
      writer: uniqueName('keys_writer'),
    });
    keeper = new PostgresDataKeyStore({ connectionString: roles.keeperUrl });
    await keeper.ensureSchema();
    await keeper.grantWriter(new URL(roles.writerUrl).username);
    writerPool = new pg.Pool({ connectionString: roles.writerUrl, max: 2 });
    writer = new PostgresDataKeyStore({ pool: writerPool });
  });

  afterAll(async () => {
    await writer?.close();
    await writerPool?.end();
    await keeper?.close();
    await schema?.drop();
    await roles?.drop();
  });

  it('lets the writer start (its migrations are current), create keys and read them', async () => {
    await expect(writer.ensureSchema()).resolves.toBeUndefined();
    const key = candidate('meeting:writer-creates');
    await expect(writer.getOrCreate(key)).resolves.toMatchObject({ state: 'active', keyId: key.keyId });
    await expect(writer.getOrCreate(candidate(key.subject))).resolves.toMatchObject({ keyId: key.keyId });
    await expect(keeper.get(key.subject)).resolves.toMatchObject({ state: 'active', keyId: key.keyId });
  });

  it('refuses the writer every way of destroying a key, which stays intact', async () => {
    const key = candidate('meeting:writer-cannot-destroy');
    await keeper.getOrCreate(key);

    await expect(writer.forget(key.subject)).rejects.toEqual(permissionDenied);
    await expect(
      writer.rewrap(key, { keyEncryptionKeyId: 'kek-2', wrappedKey: randomBytes(60) }),
    ).rejects.toEqual(permissionDenied);
    await expect(writerPool.query('DELETE FROM data_keys WHERE subject = $1', [key.subject])).rejects.toEqual(
      permissionDenied,
    );
    await expect(writerPool.query('TRUNCATE data_keys')).rejects.toEqual(permissionDenied);
    await expect(writerPool.query('DROP TABLE data_keys')).rejects.toEqual(permissionDenied);
    // Nor may it leave a tombstone before a key exists, which would keep the subject from ever getting one.
    await expect(
      writerPool.query(`INSERT INTO data_keys (subject, forgotten_at) VALUES ('meeting:pre-empted', now())`),
    ).rejects.toEqual(permissionDenied);

    const stored = await keeper.get(key.subject);
    expect(stored).toMatchObject({ state: 'active', keyId: key.keyId, keyEncryptionKeyId: 'kek-1' });
    expect(Buffer.from((stored as ActiveDataKey).wrappedKey).equals(Buffer.from(key.wrappedKey))).toBe(true);
  });

  it('lets the keeper (retention) forget a key, which the writer then reads as forgotten', async () => {
    const key = candidate('meeting:keeper-forgets');
    await writer.getOrCreate(key);
    await keeper.forget(key.subject);
    await expect(writer.get(key.subject)).resolves.toMatchObject({ state: 'forgotten' });
    await expect(writer.getOrCreate(candidate(key.subject))).resolves.toMatchObject({ state: 'forgotten' });
  });
});
