import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { KeyEncryptionKeyRing } from '@scheduler/crypto-shredding';
import { ChannelIds } from './channel-ids.js';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('ChannelIds', () => {
  const first = key('kek-1');
  const second = key('kek-2');
  const ids = ChannelIds.fromKeyRing(KeyEncryptionKeyRing.fromEnvironment({ primary: first }));

  it('issues ids Google accepts (at most 64 of A-Z a-z 0-9 - _ + / =) that it recognises as its own', () => {
    const id = ids.issue();
    expect(id).toMatch(/^[A-Za-z0-9\-_+/=]{1,64}$/);
    expect(ids.isOurs(id)).toBe(true);
    expect(ids.issue()).not.toBe(id);
  });

  it('refuses ids it did not issue: a plain UUID, a changed MAC, a changed random part, garbage', () => {
    const id = ids.issue();
    const flipped = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    const otherRandom = `${id.startsWith('a') ? 'b' : 'a'}${id.slice(1)}`;
    for (const refused of [crypto.randomUUID(), flipped, otherRandom, '', 'x'.repeat(59), `${id}x`])
      expect([refused, ids.isOurs(refused)]).toEqual([refused, false]);
  });

  it('refuses every other spelling of the last character, including those that decode to the same MAC', () => {
    const id = ids.issue();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const accepted = [...alphabet].filter((last) => ids.isOurs(`${id.slice(0, -1)}${last}`));
    expect(accepted).toEqual([id.slice(-1)]);
  });

  it('keeps recognising ids of a key retired by rotation, and stops once the key is removed', () => {
    const old = ids.issue();
    const rotated = ChannelIds.fromKeyRing(
      KeyEncryptionKeyRing.fromEnvironment({ primary: second, previous: first }),
    );
    expect(rotated.isOurs(old)).toBe(true);
    expect(ids.isOurs(rotated.issue())).toBe(false);
    const removed = ChannelIds.fromKeyRing(KeyEncryptionKeyRing.fromEnvironment({ primary: second }));
    expect(removed.isOurs(old)).toBe(false);
  });
});
