import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import playwright, { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { busNames, listDeadLetters } from '@scheduler/bus';
import { demoGoogleClient, demoTenant } from '@scheduler/emulators';
import {
  Browser as OAuthBrowser,
  CHROMIUM_ARGS,
  debianChromium,
  startJourneyStack,
  type JourneyStack,
} from '@scheduler/test-harness';
import { eventually, testInfrastructure } from '@scheduler/testing';

// The tenant administrators' audit page in a real browser (Debian's Chromium driven by
// playwright-core) against the whole stack: a Workspace administrator signs in through the
// Google emulator's OpenID sign-in, searches a meeting, opens its timeline and sees the counts
// and the tenant's dead letters; a member of the same Workspace gets a 403.
const chromium = debianChromium();
if ('skipReason' in chromium) console.warn(`audit page browser test skipped: ${chromium.skipReason}`);
const describeInBrowser = 'executablePath' in chromium ? describe : describe.skip;

const alice = demoTenant.user;
const admin = 'ada@demo.example';
const member = 'bob@demo.example';
// A title a page that forgot to escape would run.
const title = `<img src=x onerror="document.title='owned'"> Board & "budget"`;

let stack: JourneyStack;
let browser: Browser;
let meetingId: string;
let calendarEventId: string;
let startDay: string;
let meetingEnd: number;

/** Connects a user's Google account through the gateway's OAuth redirects, as the add-on does. */
async function connectGoogle(email: string): Promise<void> {
  const { idToken } = await stack.google.request<{ idToken: string }>('/google/id-token', {
    email,
    audience: demoGoogleClient.clientId,
  });
  // Any page of the gateway's own to come back to: the default (its root) is not one. A cookie
  // jar of its own: the OAuth state is bound to the browser that started the flow.
  const url = `${stack.gatewayUrl}/v1/oauth/google/start?returnTo=${encodeURIComponent(`${stack.gatewayUrl}/health/live`)}`;
  const { response } = await new OAuthBrowser().navigate(url, {
    headers: { authorization: `Bearer ${idToken}` },
  });
  if (!response) throw new Error(`connecting ${email} did not end on a page`);
  if (response.status >= 400) throw new Error(`connecting ${email} ended with ${response.status}`);
}

/** Puts an event on the bus that its consumer must refuse: a dead letter naming `tenantId`. */
async function deadLetterFor(tenantId: string): Promise<void> {
  const connection = await connect({ servers: testInfrastructure().natsUrl });
  try {
    const names = busNames(stack.busPrefix);
    await jetstream(connection).publish(
      `${names.prefix}.evt.meeting.MeetingDriftDetected`,
      JSON.stringify({
        id: crypto.randomUUID(),
        type: 'MeetingDriftDetected',
        schemaVersion: 1,
        occurredAt: new Date().toISOString(),
        streamId: `meeting-${crypto.randomUUID()}`,
        tenantId,
        correlationId: crypto.randomUUID(),
        causationId: null,
        traceparent: null,
        data: { not: 'what the contract says' },
      }),
    );
  } finally {
    await connection.close();
  }
}

async function deadLetters(): Promise<number> {
  const connection = await connect({ servers: testInfrastructure().natsUrl });
  try {
    return (await listDeadLetters(await jetstreamManager(connection), busNames(stack.busPrefix))).length;
  } finally {
    await connection.close();
  }
}

/** Signs in through the emulator's Google sign-in; answers the page's response where it lands. */
async function signIn(page: Page, email: string) {
  const landed = page.waitForResponse((response) => new URL(response.url()).pathname === '/admin/audit');
  await page.goto(
    `${stack.gatewayUrl}/admin/sign-in?login_hint=${encodeURIComponent(email)}&returnTo=${encodeURIComponent('/admin/audit')}`,
  );
  const response = await landed;
  await page.waitForURL(`${stack.gatewayUrl}/admin/audit`);
  return response;
}

beforeAll(async () => {
  if (!('executablePath' in chromium)) return;
  // An hour's retention after the end, on a fast timer loop: the last test purges the meeting.
  stack = await startJourneyStack({
    environment: { retention: { RETENTION_AFTER_END_SECONDS: '3600', RETENTION_TIMER_INTERVAL_MS: '200' } },
  });
  // Alice first: with one user the emulator's consent needs no login hint.
  const aliceToken = await stack.connectDemoUser();
  await stack.google.request('/google/seed', {
    users: [
      { email: admin, name: 'Ada Admin', directory: { isAdmin: true } },
      { email: member, name: 'Bob Member' },
    ],
  });
  await connectGoogle(admin);
  await connectGoogle(member);

  const startAt = new Date(Date.now() + 3 * 24 * 3600_000);
  startAt.setUTCHours(9, 0, 0, 0);
  startDay = startAt.toISOString().slice(0, 10);
  meetingEnd = startAt.getTime() + 3600_000;
  const event = await stack.google.request<{ id: string }>(
    `/google/calendars/${encodeURIComponent(alice)}/events`,
    {
      summary: title,
      start: { dateTime: startAt.toISOString(), timeZone: 'Europe/Berlin' },
      end: { dateTime: new Date(startAt.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Berlin' },
    },
  );
  calendarEventId = event.id;
  const added = await stack.callGateway<{ meetingId: string }>(aliceToken, '/v1/meetings', {
    calendarId: alice,
    eventId: calendarEventId,
  });
  expect(added.status).toBe(202);
  meetingId = added.body.meetingId;
  await eventually(async () => {
    const view = await stack.callGateway<{ status: string }>(aliceToken, `/v1/meetings/${meetingId}`);
    expect(view.body.status).toBe('attached');
  }, 30_000);

  await deadLetterFor(demoTenant.domain);
  await deadLetterFor('other.example');
  await eventually(async () => expect(await deadLetters()).toBe(2), 30_000);

  browser = await playwright.chromium.launch({
    executablePath: chromium.executablePath,
    args: CHROMIUM_ARGS,
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describeInBrowser('the audit page', () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
  });

  it('asks a browser without a session to sign in (401), with the strict CSP', async () => {
    const response = await page.goto(`${stack.gatewayUrl}/admin/audit`);
    expect(response!.status()).toBe(401);
    expect(response!.headers()['content-security-policy']).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    await expect(page.locator('#error h2').textContent()).resolves.toContain('sign_in_required');
    expect(await page.locator('#sign-in').getAttribute('href')).toBe(
      '/admin/sign-in?returnTo=%2Fadmin%2Faudit',
    );
  });

  it('signs a Workspace administrator in through Google into a short HttpOnly session', async () => {
    const response = await signIn(page, admin);
    expect(response.status()).toBe(200);
    const [session] = (await context.cookies()).filter((cookie) => cookie.name === 'scheduler_admin_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/admin' });
    expect(session!.expires * 1000 - Date.now()).toBeLessThanOrEqual(30 * 60_000);
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain('scheduler_admin_sign_in');
    await expect(page.locator('header').textContent()).resolves.toContain(admin);
  });

  it("shows the tenant's meetings by status and only the tenant's dead letters", async () => {
    await expect(page.locator('[data-status="attached"] b').textContent()).resolves.toBe('1');
    await expect(page.locator('[data-status="cancelled"] b').textContent()).resolves.toBe('0');
    // Two letters in the queue, one of them another tenant's.
    await expect(page.locator('#dead-letters b').textContent()).resolves.toBe('1');
  });

  it('finds the meeting by calendar event id, by meeting id and by day, with its title as text', async () => {
    for (const [field, value] of [
      ['q', calendarEventId],
      ['q', meetingId],
      ['date', startDay],
    ] as const) {
      await page.goto(`${stack.gatewayUrl}/admin/audit`);
      await page.fill(`input[name="${field}"]`, value);
      await Promise.all([
        page.waitForURL(/\/admin\/audit\?/),
        page.click('button[type="submit"]:text("Search")'),
      ]);
      const rows = page.locator('#results tbody tr');
      await expect(rows.count()).resolves.toBe(1);
      await expect(rows.first().locator('a').textContent()).resolves.toBe(meetingId);
      await expect(rows.first().locator('td').nth(3).textContent()).resolves.toContain(title);
    }
    // Escaped: the title's markup is text, its handler never ran.
    expect(await page.locator('#results img').count()).toBe(0);
    expect(await page.title()).toBe('Audit');
    if (process.env.AUDIT_PAGE_SCREENSHOT) {
      mkdirSync('docs/images', { recursive: true });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: 'docs/images/audit-page.png', fullPage: true });
    }
  });

  it("opens the meeting's timeline: its events in order, with service, correlation id and personal fields", async () => {
    await page.click(`#results a:text("${meetingId}")`);
    await page.waitForURL(`${stack.gatewayUrl}/admin/audit/meetings/${meetingId}`);
    await expect(page.locator('#meeting-status').textContent()).resolves.toBe('attached');
    const rows = await page
      .locator('#timeline tbody tr')
      .evaluateAll((elements) =>
        elements.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent!.trim())),
      );
    expect(rows.map((cells) => cells[2])).toEqual(
      expect.arrayContaining(['MeetingRequested', 'MeetingScheduled', 'ConferenceAttached']),
    );
    expect(rows.map((cells) => Number(cells[0]))).toEqual(rows.map((_cells, index) => index));
    const requested = rows.find((cells) => cells[2] === 'MeetingRequested')!;
    expect(requested[3]).toBe('webex-bridge');
    expect(requested[4]).toMatch(/^[0-9a-f-]{36}$/);
    expect(requested[5]).toContain(title);
    expect(await page.locator('#timeline img').count()).toBe(0);
    if (process.env.AUDIT_PAGE_SCREENSHOT)
      await page.screenshot({ path: 'docs/images/audit-page-timeline.png', fullPage: true });
  });

  it("answers 404 for a meeting that is not the tenant's, 400 for an id that is none", async () => {
    const missing = await page.goto(
      `${stack.gatewayUrl}/admin/audit/meetings/019ac0a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b`,
    );
    expect(missing!.status()).toBe(404);
    const malformed = await page.goto(`${stack.gatewayUrl}/admin/audit/meetings/not-a-meeting`);
    expect(malformed!.status()).toBe(400);
  });

  it('signs out: the session cookie is gone and the page asks to sign in again', async () => {
    await page.goto(`${stack.gatewayUrl}/admin/audit`);
    await Promise.all([page.waitForURL(`${stack.gatewayUrl}/admin/audit`), page.click('text=Sign out')]);
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain('scheduler_admin_session');
    const again = await page.goto(`${stack.gatewayUrl}/admin/audit`);
    expect(again!.status()).toBe(401);
  });

  it('refuses a member of the Workspace who is not its administrator (403)', async () => {
    const memberContext = await browser.newContext();
    try {
      const response = await signIn(await memberContext.newPage(), member);
      expect(response.status()).toBe(403);
      expect(await response.text()).toContain('not_tenant_administrator');
      expect(await response.text()).not.toContain(meetingId);
    } finally {
      await memberContext.close();
    }
  });

  it('refuses a sign-in callback that this browser did not start', async () => {
    const started = await fetch(`${stack.gatewayUrl}/admin/sign-in?login_hint=${encodeURIComponent(admin)}`, {
      redirect: 'manual',
    });
    const google = await fetch(started.headers.get('location')!);
    const form = await google.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(form)![1]!;
    // The ID token and state reach the gateway, but without the sign-in cookie of that browser.
    const replayed = await fetch(`${stack.gatewayUrl}/admin/sign-in/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token: field('id_token'), state: field('state') }),
      redirect: 'manual',
    });
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toContain('sign_in_failed');
    expect(
      replayed.headers.getSetCookie().some((cookie) => cookie.startsWith('scheduler_admin_session=')),
    ).toBe(false);
  });

  it("refuses an ID token minted for another sign-in, and Google's refusal, signing nobody in", async () => {
    const start = async (email: string) => {
      const started = await fetch(
        `${stack.gatewayUrl}/admin/sign-in?login_hint=${encodeURIComponent(email)}`,
        {
          redirect: 'manual',
        },
      );
      const location = new URL(started.headers.get('location')!);
      const cookie = started.headers
        .getSetCookie()
        .find((value) => value.startsWith('scheduler_admin_sign_in='));
      return { location, cookie: cookie!.split(';')[0]!, state: location.searchParams.get('state')! };
    };
    const callback = (cookie: string, fields: Record<string, string>) =>
      fetch(`${stack.gatewayUrl}/admin/sign-in/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams(fields),
        redirect: 'manual',
      });
    // This browser's sign-in, but an authentic administrator's token from elsewhere (no nonce).
    const mine = await start(admin);
    const { idToken } = await stack.google.request<{ idToken: string }>('/google/id-token', {
      email: admin,
      audience: demoGoogleClient.clientId,
    });
    const foreign = await callback(mine.cookie, { id_token: idToken, state: mine.state });
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain('The ID token was not issued for this sign-in');
    // Google refuses (an account it does not know): its post carries an error, not a token.
    const refused = await start('nobody@demo.example');
    const page = await (await fetch(refused.location)).text();
    expect(page).toContain('name="error" value="access_denied"');
    const answer = await callback(refused.cookie, { error: 'access_denied', state: refused.state });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('Google did not sign you in');
    for (const response of [foreign, answer])
      expect(
        response.headers.getSetCookie().some((value) => value.startsWith('scheduler_admin_session=')),
      ).toBe(false);
  });

  // Last: it moves the emulators' clock past the meeting's end and the retention policy.
  it("shows the personal fields as redacted once the meeting's data was purged", async () => {
    const now = Date.parse((await stack.google.request<{ now: string }>('/clock')).now);
    await stack.advanceClock(meetingEnd + 3600_000 + 5 * 60_000 - now);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await signIn(page, admin);
      await eventually(async () => {
        await page.goto(`${stack.gatewayUrl}/admin/audit`);
        await expect(page.locator('[data-status="purged"] b').textContent()).resolves.toBe('1');
      }, 60_000);
      await page.goto(`${stack.gatewayUrl}/admin/audit/meetings/${meetingId}`);
      await expect(page.locator('#meeting-status').textContent()).resolves.toBe('purged');
      const rows = await page
        .locator('#timeline tbody tr')
        .evaluateAll((elements) =>
          elements.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent!.trim())),
        );
      expect(rows.map((cells) => cells[2])).toEqual(
        expect.arrayContaining(['MeetingEnded', 'MeetingDataPurged']),
      );
      const requested = rows.find((cells) => cells[2] === 'MeetingRequested')!;
      expect(requested[5]).toContain('[redacted]');
      expect(requested[5]).not.toContain('budget');
      expect(await page.content()).not.toContain('budget');
    } finally {
      await context.close();
    }
  });
});
