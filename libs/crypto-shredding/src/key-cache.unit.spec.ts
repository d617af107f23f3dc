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

describe('KeyCache recency', () => {
  it('evicts exactly as a reference least-recently-used list does, across gets, sets, deletes and refreshes', () => {
    const cache = new KeyCache<number>(5, 1000, () => 0);
    const reference: string[] = []; // least recently used first
    const touch = (key: string) => {
      const at = reference.indexOf(key);
      if (at >= 0) reference.splice(at, 1);
      reference.push(key);
    };
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let step = 0; step < 2_000; step++) {
      const key = `k${Math.floor(random() * 9)}`;
      const operation = random();
      if (operation < 0.45) {
        const expected = reference.includes(key) ? Number(key.slice(1)) : undefined;
        expect(cache.get(key)).toBe(expected);
        if (expected !== undefined) touch(key);
      } else if (operation < 0.9) {
        cache.set(key, Number(key.slice(1)));
        touch(key);
        if (reference.length > 5) reference.shift();
      } else {
        cache.delete(key);
        const at = reference.indexOf(key);
        if (at >= 0) reference.splice(at, 1);
      }
      expect(cache.size).toBe(reference.length);
    }
  });

  it('setting a present key refreshes its value and time to live', () => {
    let now = 0;
    const cache = new KeyCache<number>(3, 100, () => now);
    cache.set('a', 1);
    now = 60;
    cache.set('a', 2);
    now = 150;
    expect(cache.get('a')).toBe(2);
    now = 160;
    expect(cache.get('a')).toBeUndefined();
  });

  it('keeps a hit cheap when it holds many keys (a replay looks a key up per sealed field)', () => {
    const cache = new KeyCache<number>(20_000, 60_000);
    for (let index = 0; index < 20_000; index++) cache.set(`meeting:${index}`, index);
    const started = performance.now();
    for (let hit = 0; hit < 100_000; hit++) cache.get(`meeting:${hit % 3}`);
    // About 20 ms here; re-inserting into the Map on every hit took about 5 s.
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
