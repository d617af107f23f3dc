import { describe, expect, it } from '@jest/globals';
import type { StoredDeadLetter } from '@scheduler/bus';
import { countTenantDeadLetters } from './dead-letters.js';

const letter = (sequence: number, payload: string): StoredDeadLetter => ({
  sequence,
  storedAt: '2026-12-01T10:00:00.000Z',
  letter: {
    reason: 'max-deliveries',
    durable: 'gateway-meetings',
    subject: 'evt.meeting.MeetingRequested',
    streamSequence: sequence,
    deliveryCount: 5,
    error: { name: 'Error', message: 'failed' },
    failedAt: '2026-12-01T10:00:00.000Z',
    headers: {},
    payload,
  },
});

describe('countTenantDeadLetters', () => {
  it("counts the letters whose event names the tenant, and no other tenant's or unreadable ones", () => {
    const letters = [
      letter(1, JSON.stringify({ id: 'e1', tenantId: 'demo.example', data: {} })),
      letter(2, JSON.stringify({ id: 'e2', tenantId: 'other.example', data: {} })),
      letter(3, JSON.stringify({ id: 'e3', tenantId: 'demo.example', data: {} })),
      letter(4, 'not json {'),
      letter(5, 'null'),
      letter(6, JSON.stringify({ id: 'e6', data: { tenantId: 'demo.example' } })),
    ];
    expect(countTenantDeadLetters(letters, 'demo.example')).toBe(2);
    expect(countTenantDeadLetters(letters, 'other.example')).toBe(1);
    expect(countTenantDeadLetters([], 'demo.example')).toBe(0);
  });
});
