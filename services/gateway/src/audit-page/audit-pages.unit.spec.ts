import { describe, expect, it } from '@jest/globals';
import { REDACTED } from '@scheduler/audit';
import { auditPathsUnder, errorPage, overviewPage, timelinePage } from './audit-pages.js';

const principal = { tenantId: 'demo.example', userId: '1001', email: 'alice@demo.example' };
const paths = auditPathsUnder(new URL('https://scheduler.example/'));
const hostile = `<img src=x onerror="alert(1)">`;
const counts = {
  requested: 1,
  scheduled: 0,
  attached: 2,
  updated: 0,
  cancelled: 0,
  failed: 0,
  ended: 0,
  purged: 1,
};

describe('the audit pages', () => {
  it('escape titles, search terms and personal fields (user data never becomes markup)', () => {
    const overview = overviewPage({
      paths,
      principal,
      counts,
      deadLetters: 3,
      search: { q: hostile },
      results: [
        {
          meetingId: '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
          tenantId: 'demo.example',
          userId: '1001',
          calendarId: 'alice@demo.example',
          eventId: 'evt1',
          status: 'attached',
          title: hostile,
          requestedAt: '2026-12-01T10:00:00.000Z',
          updatedAt: '2026-12-01T10:00:00.000Z',
        },
      ],
      resultsCapped: false,
    });
    expect(overview).not.toContain('<img');
    expect(overview).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(overview).toContain('(4 in all)');
    expect(overview).toContain('<b>3</b>dead letters');
    expect(overview).not.toMatch(/<script|style=/i);

    const timeline = timelinePage(
      paths,
      principal,
      {
        meetingId: '019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
        tenantId: 'demo.example',
        entries: [
          {
            revision: 0,
            occurredAt: '2026-12-01T10:00:00.000Z',
            recordedAt: '2026-12-01T10:00:00.010Z',
            type: 'MeetingRequested',
            producer: 'webex-bridge',
            correlationId: 'c-1',
            causationId: null,
            eventId: 'e-1',
            personal: { title: hostile, invitees: REDACTED },
          },
        ],
      },
      undefined,
    );
    expect(timeline).not.toContain('<img');
    expect(timeline).toContain('<span class="redacted">[redacted]</span>');
  });

  it('links the sign-in from a 401 and keeps the links under the public base path', () => {
    const prefixed = auditPathsUnder(new URL('https://scheduler.example/tenant-x'));
    expect(prefixed.meeting('a/b')).toBe('/tenant-x/admin/audit/meetings/a%2Fb');
    const page = errorPage(prefixed, {
      status: 401,
      code: 'sign_in_required',
      message: 'Sign in',
      correlationId: 'c-2',
      signInUrl: `${prefixed.signIn}?returnTo=%2Fadmin%2Faudit`,
    });
    expect(page).toContain('href="/tenant-x/admin/sign-in?returnTo=%2Fadmin%2Faudit"');
    expect(page).toContain('href="/tenant-x/admin/audit/audit.css"');
  });
});
