import { describe, expect, it } from '@jest/globals';
import { InvalidIdentifierError, assertPlainIdentifier } from './index.js';

describe('assertPlainIdentifier', () => {
  it.each(['webex_bridge', '_private', 'a', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(assertPlainIdentifier(name)).toBe(name);
  });

  it.each(['', 'Upper', '1st', 'with space', 'quote"d', 'dash-ed', 'x'.repeat(64), 'a;drop table x'])(
    'refuses %j with InvalidIdentifierError',
    (name) => {
      expect(() => assertPlainIdentifier(name)).toThrow(InvalidIdentifierError);
      expect(() => assertPlainIdentifier(name)).toThrow('is not a plain lower-case SQL identifier');
    },
  );
});
