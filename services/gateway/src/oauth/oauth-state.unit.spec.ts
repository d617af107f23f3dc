import { describe, expect, it } from '@jest/globals';
import { InvalidOAuthStateError } from '../api-errors/api-errors.js';
import { OAuthStateSigner } from './oauth-state.js';
import { allowedReturnTo } from './oauth-settings.js';

const secret = 'unit-test-oauth-state-secret-0123456789';
const start = Date.parse('2026-11-26T09:00:00Z');

function problemOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidOAuthStateError) return error.problem;
    throw error;
  }
  return undefined;
}

const reencode = (state: string, change: (payload: Record<string, unknown>) => Record<string, unknown>) => {
  const [payload, signature] = state.split('.') as [string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return `${Buffer.from(JSON.stringify(change(decoded))).toString('base64url')}.${signature}`;
};

describe('OAuthStateSigner', () => {
  const signer = new OAuthStateSigner(secret, { now: () => start });

  it('round-trips what it signed, with a fresh nonce and a 10-minute expiry', () => {
    const state = signer.sign({
      provider: 'webex',
      tenantId: 'demo.example',
      userId: '1001',
      returnTo: 'https://scheduler.example/addon/',
    });
    expect(state).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(state, 'webex')).toEqual({
      v: 1,
      provider: 'webex',
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/),
      expiresAt: start / 1000 + 600,
      tenantId: 'demo.example',
      userId: '1001',
      returnTo: 'https://scheduler.example/addon/',
    });
    expect(signer.sign({ provider: 'webex' })).not.toBe(signer.sign({ provider: 'webex' }));
  });

  it('refuses a changed payload, a changed signature, another secret, and garbage', () => {
    const state = signer.sign({ provider: 'google', tenantId: 'demo.example', userId: '1001' });
    expect(
      problemOf(() =>
        signer.verify(
          reencode(state, (p) => ({ ...p, userId: '2002' })),
          'google',
        ),
      ),
    ).toBe('bad_signature');
    const [payload, signature] = state.split('.') as [string, string];
    const flipped = `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(problemOf(() => signer.verify(flipped, 'google'))).toBe('bad_signature');
    const other = new OAuthStateSigner('a-different-secret-of-32-bytes-or-more', { now: () => start });
    expect(problemOf(() => other.verify(state, 'google'))).toBe('bad_signature');
    expect(problemOf(() => signer.verify(`${state}.extra`, 'google'))).toBe('malformed');
    expect(problemOf(() => signer.verify('x'.repeat(5000), 'google'))).toBe('malformed');
    expect(problemOf(() => signer.verify('', 'google'))).toBe('missing');
    expect(problemOf(() => signer.verify(undefined, 'google'))).toBe('missing');
    expect(problemOf(() => signer.verify(['a', 'b'], 'google'))).toBe('missing');
  });

  it('refuses a state at or after its expiry, and one made for the other provider', () => {
    const state = signer.sign({ provider: 'google' });
    const justBefore = new OAuthStateSigner(secret, { now: () => start + 599_999 });
    const atExpiry = new OAuthStateSigner(secret, { now: () => start + 600_000 });
    expect(justBefore.verify(state, 'google').provider).toBe('google');
    expect(problemOf(() => atExpiry.verify(state, 'google'))).toBe('expired');
    expect(problemOf(() => signer.verify(state, 'webex'))).toBe('wrong_provider');
  });

  it('needs a secret of at least 32 bytes', () => {
    expect(() => new OAuthStateSigner('too-short')).toThrow(RangeError);
    expect(() => new OAuthStateSigner(Buffer.alloc(32, 1))).not.toThrow();
  });
});

describe('allowedReturnTo', () => {
  const base = new URL('https://scheduler.example/addon');

  it('allows URLs under the public base URL only', () => {
    expect(allowedReturnTo(base, 'https://scheduler.example/addon')).toBe('https://scheduler.example/addon');
    expect(allowedReturnTo(base, 'https://scheduler.example/addon/settings?tab=1')).toBe(
      'https://scheduler.example/addon/settings?tab=1',
    );
    for (const refused of [
      'https://evil.example/addon',
      'http://scheduler.example/addon',
      'https://scheduler.example/addons-elsewhere',
      'https://scheduler.example/other',
      'https://scheduler.example/addon/../other',
      'https://user:pass@scheduler.example/addon',
      'https://scheduler.example:8443/addon',
      '//evil.example/addon',
      'javascript:alert(1)',
    ])
      expect([refused, allowedReturnTo(base, refused)]).toEqual([refused, undefined]);
  });
});
