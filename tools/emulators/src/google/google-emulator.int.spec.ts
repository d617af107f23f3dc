import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createGoogleEmulator, type GoogleEmulator } from './index.js';

const clientId = 'emulator-test-client';
const clientSecret = 'emulator-test-secret';
const redirectUri = 'http://127.0.0.1/callback';
const alice = 'alice@demo.example';
const bob = 'bob@demo.example';
const carol = 'carol@other.example';
const fullScopes = [
  'openid',
  'email',
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
];

let emulator: GoogleEmulator;
const tokens = new Map<string, string>();

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; form?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    redirect: 'manual',
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary response JSON
    body: text ? (JSON.parse(text) as Record<string, any>) : undefined,
  };
}

async function tokenFor(email: string, scopes = fullScopes, offline = true) {
  const { body: authorized } = await call('POST', '/control/google/authorize', {
    body: { clientId, email, scopes, redirectUri, offline },
  });
  const exchanged = await call('POST', '/token', {
    form: {
      grant_type: 'authorization_code',
      code: authorized!.code,
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uri: redirectUri,
    },
  });
  expect(exchanged.status).toBe(200);
  return exchanged.body as {
    access_token: string;
    refresh_token?: string;
    id_token?: string;
    expires_in: number;
  };
}

const events = (calendarId: string) => `/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`;
const control = (calendarId: string) => `/control/google/calendars/${encodeURIComponent(calendarId)}`;

beforeAll(async () => {
  emulator = await createGoogleEmulator();
  await emulator.listen();
  const seeded = await call('POST', '/control/google/seed', {
    body: {
      clients: [{ clientId, clientSecret }],
      tenants: [{ domain: 'demo.example' }, { domain: 'other.example' }],
      users: [
        {
          email: alice,
          name: 'Alice Example',
          timeZone: 'Europe/Berlin',
          locale: 'de',
          calendars: [{ summary: 'Team', id: 'team@group.calendar.google.com' }],
        },
        {
          email: bob,
          directory: {
            customSchemas: { Webex: { SiteUrl: 'https://bob.webex.com' }, Other: { Secret: 'x' } },
            isAdmin: true,
          },
        },
        { email: carol },
      ],
    },
  });
  expect(seeded.status).toBe(201);
  expect(seeded.body!.users[0].calendars).toEqual([alice, 'team@group.calendar.google.com']);
  for (const email of [alice, bob, carol]) tokens.set(email, (await tokenFor(email)).access_token);
});

afterAll(async () => {
  await emulator.close();
});

describe('errors and authentication', () => {
  it('answers an unauthenticated call with Google error shape and WWW-Authenticate', async () => {
    const response = await call('GET', events(alice));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.body).toEqual({
      error: {
        code: 401,
        message: expect.stringContaining('invalid authentication credentials'),
        errors: [
          expect.objectContaining({
            domain: 'global',
            reason: 'authError',
            location: 'Authorization',
            locationType: 'header',
          }),
        ],
        status: 'UNAUTHENTICATED',
      },
    });
  });

  it('rejects a token without a calendar scope with 403 insufficientPermissions', async () => {
    const { access_token } = await tokenFor(alice, ['openid', 'email']);
    const response = await call('GET', events(alice), { token: access_token });
    expect(response.status).toBe(403);
    expect(response.body!.error.errors[0].reason).toBe('insufficientPermissions');
  });

  it('renders injected faults as Google errors, matching a decoded path prefix', async () => {
    await call('POST', '/control/faults', {
      body: {
        pathPrefix: `/calendar/v3/calendars/${alice}/events`,
        status: 403,
        reason: 'rateLimitExceeded',
        times: 1,
      },
    });
    const limited = await call('GET', events(alice), { token: tokens.get(alice)! });
    expect(limited.status).toBe(403);
    expect(limited.body!.error.errors[0]).toMatchObject({
      domain: 'usageLimits',
      reason: 'rateLimitExceeded',
    });
    expect((await call('GET', events(alice), { token: tokens.get(alice)! })).status).toBe(200);
  });

  it('expires access tokens on the emulator clock', async () => {
    const { access_token } = await tokenFor(alice);
    await call('POST', '/control/clock/advance', { body: { seconds: 3_600 } });
    expect((await call('GET', events(alice), { token: access_token })).status).toBe(401);
    for (const email of [alice, bob, carol]) tokens.set(email, (await tokenFor(email)).access_token);
  });
});

describe('OAuth', () => {
  it('signs in with response_type=id_token: a form posting the ID token with the nonce, or the fragment', async () => {
    const signIn = (extra: Record<string, string>) => {
      const url = new URL(`${emulator.url}/o/oauth2/v2/auth`);
      url.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'id_token',
        scope: 'openid email',
        state: 's<1>',
        login_hint: alice,
        ...extra,
      }).toString();
      return fetch(url, { redirect: 'manual' });
    };
    const page = await signIn({ nonce: 'n-123', response_mode: 'form_post' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<form method="post" action="${redirectUri}">`);
    expect(html).toContain('name="state" value="s&#60;1&#62;"');
    const idToken = /name="id_token" value="([^"]+)"/.exec(html)![1]!;
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      nonce: 'n-123',
      email: alice,
      aud: clientId,
      iss: 'https://accounts.google.com',
    });

    const fragment = new URL((await signIn({ nonce: 'n-456' })).headers.get('location')!);
    const fields = new URLSearchParams(fragment.hash.slice(1));
    expect(fields.get('state')).toBe('s<1>');
    expect(fields.get('id_token')).toMatch(/^ey/);
    expect((await signIn({})).status).toBe(400);
  });

  it('redirects with a code and the state, and the code is single-use', async () => {
    const url = new URL(`${emulator.url}/o/oauth2/v2/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: fullScopes.join(' '),
      state: 'xyz',
      login_hint: alice,
      access_type: 'offline',
    }).toString();
    const consent = await fetch(url, { redirect: 'manual' });
    const location = new URL(consent.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('xyz');
    const form = {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uri: redirectUri,
    };
    const first = await call('POST', '/token', { form });
    expect(first.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3599,
      refresh_token: expect.any(String),
      id_token: expect.any(String),
    });
    const again = await call('POST', '/token', { form });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refreshes, and answers invalid_grant once the refresh token is revoked; no refresh token without offline access', async () => {
    const granted = await tokenFor(bob);
    const form = {
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token!,
      client_id: clientId,
      client_secret: clientSecret,
    };
    const refreshed = await call('POST', '/token', { form });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body!.refresh_token).toBeUndefined();
    expect(
      (
        await call('POST', '/control/google/refresh-tokens/revoke', {
          body: { refreshToken: granted.refresh_token },
        })
      ).body,
    ).toEqual({
      revoked: 1,
    });
    expect(await call('POST', '/token', { form })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
    });
    const expiring = await tokenFor(carol);
    await call('POST', '/control/google/refresh-tokens/expire', { body: { email: carol } });
    const expired = await call('POST', '/token', {
      form: { ...form, refresh_token: expiring.refresh_token! },
    });
    expect(expired).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await tokenFor(bob, fullScopes, false)).refresh_token).toBeUndefined();
    const wrongSecret = await call('POST', '/token', { form: { ...form, client_secret: 'nope' } });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('serves userinfo and both certificate formats', async () => {
    const info = await call('GET', '/oauth2/v3/userinfo', { token: tokens.get(alice)! });
    expect(info.body).toMatchObject({
      email: alice,
      hd: 'demo.example',
      name: 'Alice Example',
      locale: 'de',
      sub: expect.any(String),
    });
    // As at Google, an account without a language names none.
    expect((await call('GET', '/oauth2/v3/userinfo', { token: tokens.get(bob)! })).body).not.toHaveProperty(
      'locale',
    );
    const { body: minted } = await call('POST', '/control/google/id-token', {
      body: { email: alice, audience: clientId },
    });
    const claims = JSON.parse(
      Buffer.from((minted as unknown as { idToken: string }).idToken.split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(claims).toMatchObject({ email: alice, locale: 'de' });
    const pem = await call('GET', '/oauth2/v1/certs');
    const [kid, key] = Object.entries(pem.body!)[0]!;
    expect(key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const jwks = await call('GET', '/oauth2/v3/certs');
    expect(jwks.body!.keys[0]).toMatchObject({ kid, kty: 'RSA', alg: 'RS256', use: 'sig' });
  });
});

describe('Calendar events', () => {
  it('inserts, gets, patches, updates and deletes; a second delete is 410', async () => {
    const token = tokens.get(alice)!;
    const inserted = await call('POST', events(alice), {
      token,
      body: {
        summary: 'Standup',
        start: { dateTime: '2027-04-01T09:00:00+02:00' },
        end: { dateTime: '2027-04-01T09:15:00+02:00' },
        attendees: [{ email: bob }],
      },
    });
    expect(inserted.status).toBe(200);
    const event = inserted.body!;
    expect(event.id).toMatch(/^[a-v0-9]{26}$/);
    expect(event).toMatchObject({
      status: 'confirmed',
      iCalUID: `${event.id}@google.com`,
      organizer: { email: alice },
      sequence: 0,
    });
    expect(event.attendees[0]).toMatchObject({ email: bob, responseStatus: 'needsAction' });

    const patched = await call('PATCH', `${events(alice)}/${event.id}`, {
      token,
      body: {
        start: { dateTime: '2027-04-01T10:00:00+02:00' },
        end: { dateTime: '2027-04-01T10:15:00+02:00' },
      },
    });
    expect(patched.body).toMatchObject({ summary: 'Standup', sequence: 1 });
    expect(patched.body!.etag).not.toBe(event.etag);

    const updated = await call('PUT', `${events(alice)}/${event.id}`, {
      token,
      body: {
        summary: 'Replaced',
        start: { dateTime: '2027-04-01T10:00:00+02:00' },
        end: { dateTime: '2027-04-01T10:15:00+02:00' },
      },
    });
    expect(updated.body).toMatchObject({ summary: 'Replaced', id: event.id });
    expect(updated.body!.attendees).toBeUndefined();

    expect((await call('DELETE', `${events(alice)}/${event.id}`, { token })).status).toBe(204);
    expect((await call('GET', `${events(alice)}/${event.id}`, { token })).body).toMatchObject({
      status: 'cancelled',
    });
    const again = await call('DELETE', `${events(alice)}/${event.id}`, { token });
    expect(again.status).toBe(410);
    expect(again.body!.error.errors[0].reason).toBe('deleted');
  });

  it('rejects bad input without storing anything', async () => {
    const token = tokens.get(alice)!;
    const before = (await call('GET', `/control/google/calendars/${alice}/events`)).body!.items.length;
    const backwards = await call('POST', events(alice), {
      token,
      body: { start: { dateTime: '2027-04-01T10:00:00Z' }, end: { dateTime: '2027-04-01T09:00:00Z' } },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body!.error.errors[0].reason).toBe('timeRangeEmpty');
    expect((await call('POST', events(alice), { token, body: { summary: 'no times' } })).status).toBe(400);
    expect(
      (
        await call('POST', events(alice), {
          token,
          body: { id: 'UPPER_case', start: { date: '2027-04-01' }, end: { date: '2027-04-02' } },
        })
      ).status,
    ).toBe(400);
    const twoVideos = await call('POST', `${events(alice)}?conferenceDataVersion=1`, {
      token,
      body: {
        start: { date: '2027-04-01' },
        end: { date: '2027-04-02' },
        conferenceData: {
          conferenceSolution: { key: { type: 'addOn' } },
          entryPoints: [
            { entryPointType: 'video', uri: 'https://a.example' },
            { entryPointType: 'video', uri: 'https://b.example' },
          ],
        },
      },
    });
    expect(twoVideos.status).toBe(400);
    expect((await call('GET', `/control/google/calendars/${alice}/events`)).body!.items.length).toBe(before);
    const badControl = await call('POST', `${control(alice)}/events`, {
      body: { summary: 'x', start: { dateTime: 'tomorrow' } },
    });
    expect(badControl.status).toBe(400);
    expect(badControl.body!.error).toMatch(/start|end/);
  });

  it('ignores conferenceData without conferenceDataVersion=1 and signs it with it', async () => {
    const token = tokens.get(alice)!;
    const conferenceData = {
      conferenceSolution: { key: { type: 'addOn' }, name: 'Webex' },
      conferenceId: '123',
      entryPoints: [{ entryPointType: 'video', uri: 'https://acme.webex.com/j/123' }],
      parameters: { addOnParameters: { parameters: { meetingId: 'm-1' } } },
    };
    const body = {
      start: { dateTime: '2027-04-02T09:00:00Z' },
      end: { dateTime: '2027-04-02T10:00:00Z' },
      conferenceData,
    };
    const ignored = await call('POST', events(alice), { token, body });
    expect(ignored.body!.conferenceData).toBeUndefined();
    const stored = await call('POST', `${events(alice)}?conferenceDataVersion=1`, { token, body });
    expect(stored.body!.conferenceData).toMatchObject({ ...conferenceData, signature: expect.any(String) });
    const patchWithoutVersion = await call('PATCH', `${events(alice)}/${stored.body!.id}`, {
      token,
      body: { summary: 'kept', conferenceData: null },
    });
    expect(patchWithoutVersion.body!.conferenceData).toMatchObject(conferenceData);
  });

  it('expands a weekly series, cancels one instance, and reports it incrementally', async () => {
    const token = tokens.get(alice)!;
    const calendarId = 'team@group.calendar.google.com';
    const series = await call('POST', `${control(calendarId)}/events`, {
      body: {
        summary: 'Weekly',
        start: { dateTime: '2027-05-03T08:00:00Z', timeZone: 'UTC' },
        end: { dateTime: '2027-05-03T08:30:00Z', timeZone: 'UTC' },
        recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
      },
    });
    const seriesId = series.body!.id as string;
    const full = await call('GET', `${events(calendarId)}?singleEvents=true`, { token });
    expect(full.body!.items.map((item: { id: string }) => item.id)).toEqual([
      `${seriesId}_20270503T080000Z`,
      `${seriesId}_20270510T080000Z`,
      `${seriesId}_20270517T080000Z`,
      `${seriesId}_20270524T080000Z`,
    ]);
    expect(full.body!.items[1]).toMatchObject({
      recurringEventId: seriesId,
      originalStartTime: { dateTime: '2027-05-10T08:00:00.000Z' },
    });
    expect((await call('GET', events(calendarId), { token })).body!.items).toHaveLength(1);

    await call('POST', `${control(calendarId)}/events/${seriesId}/cancel-instance`, {
      body: { originalStartTime: '2027-05-10T08:00:00Z' },
    });
    const changes = await call(
      'GET',
      `${events(calendarId)}?singleEvents=true&syncToken=${full.body!.nextSyncToken}`,
      { token },
    );
    expect(changes.body!.items).toEqual([
      {
        kind: 'calendar#event',
        etag: expect.any(String),
        id: `${seriesId}_20270510T080000Z`,
        status: 'cancelled',
        recurringEventId: seriesId,
        originalStartTime: { dateTime: '2027-05-10T08:00:00.000Z', timeZone: 'UTC' },
      },
    ]);
    const after = await call('GET', `${events(calendarId)}?singleEvents=true`, { token });
    expect(after.body!.items).toHaveLength(3);
  });

  it('rejects syncToken with timeMin, a malformed token, and a token after invalidation', async () => {
    const token = tokens.get(alice)!;
    const full = await call('GET', events(alice), { token });
    const syncToken = full.body!.nextSyncToken as string;
    expect(
      (await call('GET', `${events(alice)}?syncToken=${syncToken}&timeMin=2027-01-01T00:00:00Z`, { token }))
        .status,
    ).toBe(400);
    expect((await call('GET', `${events(alice)}?syncToken=garbage`, { token })).status).toBe(400);
    await call('POST', `${control(alice)}/invalidate-sync-tokens`, {});
    const gone = await call('GET', `${events(alice)}?syncToken=${syncToken}`, { token });
    expect(gone.status).toBe(410);
    expect(gone.body!.error.errors[0].reason).toBe('fullSyncRequired');
  });

  it('moves an event to another calendar, cancelling it in the source', async () => {
    const token = tokens.get(alice)!;
    const calendarId = 'team@group.calendar.google.com';
    const full = await call('GET', events(alice), { token });
    const created = await call('POST', events(alice), {
      token: tokens.get(alice)!,
      body: {
        summary: 'Moving',
        start: { dateTime: '2027-06-01T09:00:00Z' },
        end: { dateTime: '2027-06-01T10:00:00Z' },
      },
    });
    const id = created.body!.id as string;
    await call('POST', `${control(alice)}/events/${id}/move`, { body: { calendarId } });
    const source = await call('GET', `${events(alice)}?syncToken=${full.body!.nextSyncToken}`, { token });
    expect(source.body!.items.find((item: { id: string }) => item.id === id)).toMatchObject({
      status: 'cancelled',
    });
    expect((await call('GET', `${events(calendarId)}/${id}`, { token })).body).toMatchObject({
      status: 'confirmed',
      organizer: { email: calendarId },
    });
  });

  it('shares a calendar: invisible to another user until shared, then listed with its role', async () => {
    const bobToken = tokens.get(bob)!;
    expect((await call('GET', events(alice), { token: bobToken })).status).toBe(404);
    await call('POST', `${control(alice)}/share`, { body: { email: bob, role: 'reader' } });
    expect((await call('GET', events(alice), { token: bobToken })).status).toBe(200);
    const list = await call('GET', '/calendar/v3/users/me/calendarList', { token: bobToken });
    expect(list.body!.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: bob, primary: true, accessRole: 'owner' }),
        expect.objectContaining({ id: alice, accessRole: 'reader' }),
      ]),
    );
    const write = await call('POST', events(alice), {
      token: bobToken,
      body: { start: { date: '2027-04-01' }, end: { date: '2027-04-02' } },
    });
    expect(write.status).toBe(403);
  });

  it('sets `self` relative to the calendar being read, not the caller, as Google does', async () => {
    const created = await call('POST', events(alice), {
      token: tokens.get(alice)!,
      body: {
        summary: 'Alice’s review',
        start: { dateTime: '2027-04-02T09:00:00Z' },
        end: { dateTime: '2027-04-02T09:30:00Z' },
        // A client's `self` is not Google's answer: it is dropped.
        attendees: [{ email: alice }, { email: bob, self: true }],
      },
    });
    const eventId = created.body!.id as string;
    const asOwner = await call('GET', `${events(alice)}/${eventId}`, { token: tokens.get(alice)! });
    // Bob reads Alice's calendar (shared with him above): Alice's entries are `self`, his are not.
    const asDelegate = await call('GET', `${events(alice)}/${eventId}`, { token: tokens.get(bob)! });
    for (const read of [asOwner, asDelegate]) {
      expect(read.body!.organizer).toEqual({ email: alice, displayName: 'Alice Example', self: true });
      expect(read.body!.creator).toMatchObject({ email: alice, self: true });
      expect(read.body!.attendees).toEqual([
        expect.objectContaining({ email: alice, organizer: true, self: true }),
        expect.not.objectContaining({ self: expect.anything() }),
      ]);
    }
    const listed = await call('GET', events(alice), { token: tokens.get(bob)! });
    const fromList = (listed.body!.items as Array<{ id: string; organizer: unknown }>).find(
      (item) => item.id === eventId,
    );
    expect(fromList!.organizer).toMatchObject({ email: alice, self: true });
    // Stored events hold no `self`.
    const stored = await call('GET', `${control(alice)}/events`);
    const raw = (stored.body!.items as Array<{ id: string }>).find((item) => item.id === eventId);
    expect(JSON.stringify(raw)).not.toContain('"self"');
  });

  it('reads the time zone setting', async () => {
    const token = tokens.get(alice)!;
    expect((await call('GET', '/calendar/v3/users/me/settings/timezone', { token })).body).toMatchObject({
      id: 'timezone',
      value: 'Europe/Berlin',
    });
    expect((await call('GET', '/calendar/v3/users/me/settings/weekStart', { token })).status).toBe(404);
  });
});

describe('channels', () => {
  it('refuses duplicate ids and plain-http non-loopback addresses; only the creator may stop a channel', async () => {
    const token = tokens.get(alice)!;
    const body = { id: 'chan-1', type: 'web_hook', address: 'https://localhost:9/google', token: 'secret' };
    const created = await call('POST', `${events(alice)}/watch`, { token, body });
    expect(created.body).toMatchObject({
      kind: 'api#channel',
      id: 'chan-1',
      resourceId: expect.any(String),
      expiration: expect.stringMatching(/^\d+$/),
    });
    expect((await call('POST', `${events(alice)}/watch`, { token, body })).status).toBe(400);
    const insecure = await call('POST', `${events(alice)}/watch`, {
      token,
      body: { ...body, id: 'chan-2', address: 'http://hooks.example/google' },
    });
    expect(insecure.status).toBe(400);
    const stopBody = { id: 'chan-1', resourceId: created.body!.resourceId };
    expect(
      (await call('POST', '/calendar/v3/channels/stop', { token: tokens.get(bob)!, body: stopBody })).status,
    ).toBe(404);
    expect((await call('POST', '/calendar/v3/channels/stop', { token, body: stopBody })).status).toBe(204);
  });
});

describe('directory', () => {
  it('returns only the masked custom schemas, and hides users of other domains', async () => {
    const token = tokens.get(alice)!;
    const custom = await call(
      'GET',
      `/admin/directory/v1/users/${bob}?projection=custom&customFieldMask=Webex&viewType=domain_public`,
      { token },
    );
    expect(custom.body).toMatchObject({
      kind: 'admin#directory#user',
      primaryEmail: bob,
      customSchemas: { Webex: { SiteUrl: 'https://bob.webex.com' } },
    });
    expect(custom.body!.customSchemas.Other).toBeUndefined();
    const basic = await call('GET', `/admin/directory/v1/users/${bob}?viewType=domain_public`, { token });
    expect(basic.body!.customSchemas).toBeUndefined();
    // The public view leaves the administrative fields out.
    expect(basic.body!.isAdmin).toBeUndefined();
    const otherDomain = await call('GET', `/admin/directory/v1/users/${carol}?viewType=domain_public`, {
      token,
    });
    expect(otherDomain.status).toBe(404);
  });

  it("serves the admin view (isAdmin) to the domain's administrators only, as Google does", async () => {
    // A user who is no administrator is refused the admin view, of their own entry too.
    const own = await call('GET', `/admin/directory/v1/users/${alice}`, { token: tokens.get(alice)! });
    expect(own.status).toBe(403);
    expect(own.body!.error.errors[0].reason).toBe('forbidden');
    const admin = tokens.get(bob)!;
    const self = await call('GET', `/admin/directory/v1/users/${bob}?viewType=admin_view`, { token: admin });
    expect(self.body).toMatchObject({ primaryEmail: bob, isAdmin: true });
    const other = await call('GET', `/admin/directory/v1/users/${alice}`, { token: admin });
    expect(other.body).toMatchObject({ primaryEmail: alice, isAdmin: false });
    // The unique id is a userKey too.
    const byId = await call('GET', `/admin/directory/v1/users/${self.body!.id}`, { token: admin });
    expect(byId.body).toMatchObject({ primaryEmail: bob, isAdmin: true });
    expect((await call('GET', `/admin/directory/v1/users/${carol}`, { token: admin })).status).toBe(404);
    const badView = await call('GET', `/admin/directory/v1/users/${bob}?viewType=everything`, {
      token: admin,
    });
    expect(badView.status).toBe(400);
  });
});

describe('control API', () => {
  it('requires the control token when one is configured', async () => {
    const guarded = await createGoogleEmulator({ controlToken: 'let-me-in' });
    await guarded.listen();
    try {
      expect((await fetch(`${guarded.url}/control/clock`)).status).toBe(401);
      const allowed = await fetch(`${guarded.url}/control/clock`, {
        headers: { authorization: 'Bearer let-me-in' },
      });
      expect(allowed.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('logs API requests but not control requests', async () => {
    await call('DELETE', '/control/requests');
    await call('GET', '/calendar/v3/users/me/settings/timezone', { token: tokens.get(alice)! });
    const { body } = await call('GET', '/control/requests');
    expect(body!.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/calendar/v3/users/me/settings/timezone',
        status: 200,
      }),
    ]);
  });
});
