import { describe, expect, it } from '@jest/globals';
import { ADMIN_SESSION_SECONDS, AdminSessions } from './admin-session.js';

const secret = 'unit-test-oauth-state-secret-0123456789';
const start = Date.parse('2026-12-03T09:00:00Z');
const principal = { tenantId: 'demo.example', userId: '1001', email: 'alice@demo.example' };

describe('AdminSessions', () => {
  const sessions = new AdminSessions(secret, () => start);

  it('verifies what it issued, until it expires', () => {
    const value = sessions.issue(principal);
    expect(sessions.verify(value)).toEqual(principal);
    const justBefore = new AdminSessions(secret, () => start + ADMIN_SESSION_SECONDS * 1000 - 1);
    const atExpiry = new AdminSessions(secret, () => start + ADMIN_SESSION_SECONDS * 1000);
    expect(justBefore.verify(value)).toEqual(principal);
    expect(atExpiry.verify(value)).toBeUndefined();
  });

  it('refuses a changed payload, another secret, garbage, and an OAuth state signed with the same secret', () => {
    const value = sessions.issue(principal);
    const [payload, signature] = value.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...decoded, tenantId: 'other.example' })).toString(
      'base64url',
    );
    expect(sessions.verify(`${forged}.${signature}`)).toBeUndefined();
    expect(
      new AdminSessions('another-secret-of-at-least-32-bytes!!', () => start).verify(value),
    ).toBeUndefined();
    for (const garbage of [undefined, '', 'x', `${value}.x`, 'a'.repeat(5000), `${payload}.`])
      expect(sessions.verify(garbage)).toBeUndefined();
  });
});
