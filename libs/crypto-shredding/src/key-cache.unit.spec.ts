import { describe, expect, it } from '@jest/globals';
import { KeyCache } from './key-cache.js';

describe('KeyCache', () => {
  it('evicts the least recently used entry beyond its bound', () => {
    const cache = new KeyCache<number>(2, 1000, () => 0);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // "b" is now the least recently used
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('expires entries after their time to live', () => {
    let now = 0;
    const cache = new KeyCache<number>(10, 100, () => now);
    cache.set('a', 1);
    now = 99;
    expect(cache.get('a')).toBe(1);
    now = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses a nonsensical bound', () => {
    expect(() => new KeyCache(0, 100)).toThrow(/maxEntries/);
    expect(() => new KeyCache(1, 0)).toThrow(/timeToLiveMs/);
  });
});
