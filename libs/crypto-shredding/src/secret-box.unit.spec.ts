import { describe, expect, it } from '@jest/globals';
import { isSealedValue } from './secret-box.js';

describe('isSealedValue', () => {
  const sealed = { $sealed: 'v1', subject: 'meeting:1', keyId: 'k1', iv: 'aXY', ciphertext: 'Y3Q' };

  it('accepts exactly the five string fields of a sealed value, in any order', () => {
    expect(isSealedValue(sealed)).toBe(true);
    const { ciphertext, ...rest } = sealed;
    expect(isSealedValue({ ciphertext, ...rest })).toBe(true);
  });

  it('refuses a missing, extra, inherited or non-string field, another version, and non-objects', () => {
    const { iv: _iv, ...withoutIv } = sealed;
    expect(isSealedValue(withoutIv)).toBe(false);
    expect(isSealedValue({ ...withoutIv, other: 'x' })).toBe(false);
    expect(isSealedValue({ ...sealed, extra: 'x' })).toBe(false);
    expect(
      isSealedValue(Object.assign(Object.create({ iv: 'aXY' }) as object, withoutIv, { other: 'x' })),
    ).toBe(false);
    expect(isSealedValue({ ...sealed, keyId: 7 })).toBe(false);
    expect(isSealedValue({ ...sealed, $sealed: 'v2' })).toBe(false);
    expect(isSealedValue([sealed])).toBe(false);
    expect(isSealedValue(null)).toBe(false);
    expect(isSealedValue('sealed')).toBe(false);
  });
});
