import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { admin_directory_v1, calendar_v3 } from 'googleapis';
import { z } from 'zod';
import { GoogleHttpError, OAuthError, sendGoogleError } from './errors.js';
import type { OAuthAuthority } from './oauth.js';
import type { PushNotifier } from './push.js';
import { type GoogleUser, type GoogleWorld, asSeenFrom } from './world.js';

const scope = (name: string) => `https://www.googleapis.com/auth/${name}`;
const calendarRead = ['calendar', 'calendar.readonly', 'calendar.events', 'calendar.events.readonly'].map(
  scope,
);
const calendarWrite = ['calendar', 'calendar.events'].map(scope);
const settingsRead = ['calendar', 'calendar.readonly', 'calendar.settings.readonly'].map(scope);
const directoryRead = ['admin.directory.user', 'admin.directory.user.readonly'].map(scope);

interface Caller {
  email: string;
  clientId: string;
  scopes: string[];
  user: GoogleUser;
}

export interface ApiParts {
  world: GoogleWorld;
  oauth: OAuthAuthority;
  push: PushNotifier;
  /** The emulator's own base URL, for resource URIs. */
  baseUrl: () => string;
}

function caller(request: Request, oauth: OAuthAuthority, accepted: string[]): Caller {
  const record = oauth.authenticate(request.header('authorization'));
  if (!record.scopes.some((granted) => accepted.includes(granted)))
    throw new GoogleHttpError(
      403,
      'insufficientPermissions',
      'Request had insufficient authentication scopes.',
    );
  return record;
}

const flag = (value: unknown, fallback: boolean) =>
  value === undefined ? fallback : value === 'true' || value === true;

function single(query: Request['query'], name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new GoogleHttpError(400, 'invalidParameter', `Invalid value for ${name}.`);
  return value;
}

const WatchBody = z.object({
  id: z.string(),
  type: z.string(),
  address: z.string(),
  token: z.string().optional(),
  expiration: z.union([z.string(), z.number()]).optional(),
  params: z.object({ ttl: z.string().optional() }).optional(),
});
const StopBody = z.object({ id: z.string(), resourceId: z.string() });

function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new GoogleHttpError(400, 'required', `Invalid request body: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Calendar v3, the subset the services use, answered with googleapis' own calendar_v3 types. */
export function calendarRoutes(parts: ApiParts): Router {
  const { world, oauth, push } = parts;
  const router = express.Router();

  router.get(
    '/calendar/v3/calendars/:calendarId/events',
    (request, response: Response<calendar_v3.Schema$Events>) => {
      const who = caller(request, oauth, calendarRead);
      const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'read');
      const syncToken = single(request.query, 'syncToken');
      const timeMin = single(request.query, 'timeMin');
      const timeMax = single(request.query, 'timeMax');
      if (syncToken !== undefined)
        for (const name of [
          'timeMin',
          'timeMax',
          'updatedMin',
          'q',
          'iCalUID',
          'orderBy',
          'privateExtendedProperty',
          'sharedExtendedProperty',
        ])
          if (request.query[name] !== undefined)
            throw new GoogleHttpError(
              400,
              'invalid',
              `The ${name} parameter cannot be combined with syncToken.`,
            );
      const maxResults = Number(single(request.query, 'maxResults') ?? '250');
      if (!Number.isInteger(maxResults) || maxResults < 1)
        throw new GoogleHttpError(400, 'invalid', 'Invalid value for maxResults.', {
          location: 'maxResults',
        });
      const pageToken = single(request.query, 'pageToken');
      const result = world.listEvents(calendar, {
        ...(syncToken !== undefined ? { syncToken } : {}),
        ...(pageToken !== undefined ? { pageToken } : {}),
        showDeleted: flag(request.query.showDeleted, false),
        singleEvents: flag(request.query.singleEvents, false),
        maxResults: Math.min(maxResults, 2500),
        ...(timeMin !== undefined ? { timeMinMs: Date.parse(timeMin) } : {}),
        ...(timeMax !== undefined ? { timeMaxMs: Date.parse(timeMax) } : {}),
      });
      const owner = world.requireUser(calendar.ownerEmail);
      response.json({
        kind: 'calendar#events',
        etag: `"p${calendar.sequence}"`,
        summary: calendar.summary,
        updated: new Date().toISOString(),
        timeZone: calendar.timeZone,
        accessRole: calendar.acl.get(who.email) ?? 'reader',
        defaultReminders: owner.email === who.email ? [{ method: 'popup', minutes: 10 }] : [],
        items: result.items.map((event) => asSeenFrom(event, calendar.id)),
        ...(result.nextPageToken ? { nextPageToken: result.nextPageToken } : {}),
        ...(result.nextSyncToken ? { nextSyncToken: result.nextSyncToken } : {}),
      });
    },
  );

  router.post(
    '/calendar/v3/calendars/:calendarId/events/watch',
    (request, response: Response<calendar_v3.Schema$Channel>) => {
      const who = caller(request, oauth, calendarRead);
      const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'read');
      const body = parseBody(WatchBody, request.body);
      if (body.type !== 'web_hook' && body.type !== 'webhook')
        throw new GoogleHttpError(400, 'invalid', `Invalid channel type ${body.type}.`);
      const expirationMs = body.expiration !== undefined ? Number(body.expiration) : undefined;
      const ttlSeconds = body.params?.ttl !== undefined ? Number(body.params.ttl) : undefined;
      const channel = push.createChannel({
        id: body.id,
        address: body.address,
        ...(body.token !== undefined ? { token: body.token } : {}),
        ...(expirationMs !== undefined && Number.isFinite(expirationMs) ? { expirationMs } : {}),
        ...(ttlSeconds !== undefined && Number.isFinite(ttlSeconds) ? { ttlSeconds } : {}),
        calendarId: calendar.id,
        ownerEmail: who.email,
        clientId: who.clientId,
        resourceUri: `${parts.baseUrl()}/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events?alt=json`,
      });
      response.json({
        kind: 'api#channel',
        id: channel.id,
        resourceId: channel.resourceId,
        resourceUri: channel.resourceUri,
        ...(channel.token !== undefined ? { token: channel.token } : {}),
        expiration: String(channel.expirationMs),
      });
    },
  );

  router.get(
    '/calendar/v3/calendars/:calendarId/events/:eventId',
    (request, response: Response<calendar_v3.Schema$Event>) => {
      const who = caller(request, oauth, calendarRead);
      const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'read');
      response.json(asSeenFrom(world.getEvent(calendar, String(request.params.eventId)), calendar.id));
    },
  );

  // events.instances: the occurrences of a recurring event, exceptions included.
  router.get(
    '/calendar/v3/calendars/:calendarId/events/:eventId/instances',
    (request, response: Response<calendar_v3.Schema$Events>) => {
      const who = caller(request, oauth, calendarRead);
      const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'read');
      const instant = (name: string) => {
        const value = single(request.query, name);
        if (value === undefined) return undefined;
        const ms = Date.parse(value);
        if (Number.isNaN(ms))
          throw new GoogleHttpError(400, 'invalid', `Invalid value for ${name}.`, { location: name });
        return ms;
      };
      const maxResults = Number(single(request.query, 'maxResults') ?? '250');
      if (!Number.isInteger(maxResults) || maxResults < 1)
        throw new GoogleHttpError(400, 'invalid', 'Invalid value for maxResults.', {
          location: 'maxResults',
        });
      const timeMinMs = instant('timeMin');
      const timeMaxMs = instant('timeMax');
      const originalStartMs = instant('originalStart');
      const pageToken = single(request.query, 'pageToken');
      const result = world.listInstances(calendar, String(request.params.eventId), {
        showDeleted: flag(request.query.showDeleted, false),
        maxResults: Math.min(maxResults, 2500),
        ...(pageToken !== undefined ? { pageToken } : {}),
        ...(timeMinMs !== undefined ? { timeMinMs } : {}),
        ...(timeMaxMs !== undefined ? { timeMaxMs } : {}),
        ...(originalStartMs !== undefined ? { originalStartMs } : {}),
      });
      response.json({
        kind: 'calendar#events',
        etag: `"p${calendar.sequence}"`,
        summary: calendar.summary,
        updated: new Date().toISOString(),
        timeZone: calendar.timeZone,
        accessRole: calendar.acl.get(who.email) ?? 'reader',
        defaultReminders: [],
        items: result.items.map((event) => asSeenFrom(event, calendar.id)),
        ...(result.nextPageToken ? { nextPageToken: result.nextPageToken } : {}),
      });
    },
  );

  const withConference = (request: Request) =>
    Number(single(request.query, 'conferenceDataVersion') ?? '0') >= 1;

  router.post(
    '/calendar/v3/calendars/:calendarId/events',
    (request, response: Response<calendar_v3.Schema$Event>) => {
      const who = caller(request, oauth, calendarWrite);
      const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'write');
      response.json(
        asSeenFrom(
          world.insertEvent(calendar, request.body ?? {}, who.email, withConference(request)),
          calendar.id,
        ),
      );
    },
  );

  for (const [method, mode] of [
    ['patch', 'patch'],
    ['put', 'update'],
  ] as const) {
    router[method](
      '/calendar/v3/calendars/:calendarId/events/:eventId',
      (request, response: Response<calendar_v3.Schema$Event>) => {
        const who = caller(request, oauth, calendarWrite);
        const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'write');
        response.json(
          asSeenFrom(
            world.changeEvent(
              calendar,
              String(request.params.eventId),
              request.body ?? {},
              mode,
              withConference(request),
            ),
            calendar.id,
          ),
        );
      },
    );
  }

  // events.move: the organiser becomes the destination calendar; the event keeps its id there
  // and shows as cancelled in the source's changes. Both calendars need write access.
  router.post(
    '/calendar/v3/calendars/:calendarId/events/:eventId/move',
    (request, response: Response<calendar_v3.Schema$Event>) => {
      const who = caller(request, oauth, calendarWrite);
      const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'write');
      const destination = single(request.query, 'destination');
      if (!destination)
        throw new GoogleHttpError(400, 'required', 'Required parameter: destination', {
          location: 'destination',
        });
      const target = world.calendarFor(destination, who.email, 'write');
      response.json(
        asSeenFrom(world.moveEvent(calendar, String(request.params.eventId), target.id), target.id),
      );
    },
  );

  router.delete('/calendar/v3/calendars/:calendarId/events/:eventId', (request, response) => {
    const who = caller(request, oauth, calendarWrite);
    const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'write');
    world.deleteEvent(calendar, String(request.params.eventId));
    response.status(204).end();
  });

  router.post('/calendar/v3/channels/stop', (request, response) => {
    const who = caller(request, oauth, calendarRead);
    const body = parseBody(StopBody, request.body);
    push.stopChannel({ id: body.id, resourceId: body.resourceId, email: who.email, clientId: who.clientId });
    response.status(204).end();
  });

  router.get(
    '/calendar/v3/users/me/settings/:setting',
    (request, response: Response<calendar_v3.Schema$Setting>) => {
      const who = caller(request, oauth, settingsRead);
      if (request.params.setting !== 'timezone') throw new GoogleHttpError(404, 'notFound', 'Not Found');
      response.json({ kind: 'calendar#setting', etag: '"tz"', id: 'timezone', value: who.user.timeZone });
    },
  );

  const calendarListEntry = (calendarId: string, email: string): calendar_v3.Schema$CalendarListEntry => {
    const calendar = world.calendarById(calendarId);
    return {
      kind: 'calendar#calendarListEntry',
      etag: `"${calendar.sequence}"`,
      id: calendar.id,
      summary: calendar.summary,
      timeZone: calendar.timeZone,
      accessRole: calendar.acl.get(email) ?? 'reader',
      ...(calendar.id === email ? { primary: true } : {}),
      // Google names the owner of secondary calendars only.
      ...(calendar.id !== calendar.ownerEmail ? { dataOwner: calendar.ownerEmail } : {}),
    };
  };

  router.get(
    '/calendar/v3/users/me/calendarList',
    (request, response: Response<calendar_v3.Schema$CalendarList>) => {
      const who = caller(request, oauth, calendarRead);
      const items = [...world.calendars.values()]
        .filter((calendar) => calendar.acl.has(who.email))
        .map((calendar) => calendarListEntry(calendar.id, who.email));
      response.json({ kind: 'calendar#calendarList', etag: `"${items.length}"`, items });
    },
  );

  router.get(
    '/calendar/v3/users/me/calendarList/:calendarId',
    (request, response: Response<calendar_v3.Schema$CalendarListEntry>) => {
      const who = caller(request, oauth, calendarRead);
      const calendar = world.calendarFor(String(request.params.calendarId), who.email, 'read');
      response.json(calendarListEntry(calendar.id, who.email));
    },
  );

  return router;
}

/**
 * Admin Directory users.get, where an administrator keeps a user's Webex site URL in a custom
 * schema. As at Google: the default `admin_view` is for administrators of the domain only (403
 * `forbidden` for anyone else, themselves included); `domain_public` lets any user of the
 * domain read another's public fields, without the administrative ones (`isAdmin` …).
 */
export function directoryRoutes(parts: ApiParts): Router {
  const router = express.Router();
  router.get(
    '/admin/directory/v1/users/:userKey',
    (request, response: Response<admin_directory_v1.Schema$User>) => {
      const who = caller(request, parts.oauth, directoryRead);
      const key = String(request.params.userKey).toLowerCase();
      // userKey is the primary email or the user's unique id.
      const user =
        parts.world.users.get(key) ?? [...parts.world.users.values()].find((entry) => entry.sub === key);
      const viewType = single(request.query, 'viewType') ?? 'admin_view';
      if (viewType !== 'admin_view' && viewType !== 'domain_public')
        throw new GoogleHttpError(400, 'invalid', 'Invalid value for viewType.');
      if (viewType === 'admin_view' && !who.user.isAdmin)
        throw new GoogleHttpError(403, 'forbidden', 'Not Authorized to access this resource/api');
      // A user of another domain is indistinguishable from a missing one.
      if (!user || user.domain !== who.user.domain)
        throw new GoogleHttpError(404, 'notFound', 'Resource Not Found: userKey');
      const projection = single(request.query, 'projection') ?? 'basic';
      const mask = single(request.query, 'customFieldMask');
      if (mask !== undefined && projection !== 'custom')
        throw new GoogleHttpError(400, 'invalid', 'customFieldMask requires projection=custom.');
      if (projection === 'custom' && mask === undefined)
        throw new GoogleHttpError(400, 'invalid', 'projection=custom requires customFieldMask.');
      let customSchemas: Record<string, Record<string, unknown>> | undefined;
      if (projection === 'full') customSchemas = user.customSchemas;
      if (projection === 'custom') {
        const wanted = new Set(mask!.split(',').map((name) => name.trim()));
        customSchemas = Object.fromEntries(
          Object.entries(user.customSchemas).filter(([name]) => wanted.has(name)),
        );
      }
      const [givenName, ...family] = user.name.split(' ');
      response.json({
        kind: 'admin#directory#user',
        id: user.sub,
        etag: `"${user.sub}"`,
        primaryEmail: user.email,
        name: { givenName: givenName ?? user.name, familyName: family.join(' '), fullName: user.name },
        ...(viewType === 'admin_view'
          ? {
              isAdmin: user.isAdmin,
              isDelegatedAdmin: false,
              suspended: false,
              orgUnitPath: '/',
              customerId: `C0${Buffer.from(user.domain).toString('hex').slice(0, 8)}`,
            }
          : {}),
        ...(customSchemas && Object.keys(customSchemas).length > 0 ? { customSchemas } : {}),
      });
    },
  );
  return router;
}

const TokenRequest = z.object({
  grant_type: z.enum(['authorization_code', 'refresh_token']),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  code_verifier: z.string().optional(),
});

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/**
 * OpenID Connect's implicit sign-in as Google serves it: `response_type=id_token` with a nonce,
 * answered by `response_mode=form_post` (a page whose form posts `id_token` and `state` to the
 * redirect URI, submitted by its script) or, like Google's default, in the fragment.
 */
async function signInWithIdToken(
  oauth: OAuthAuthority,
  query: Record<string, string | undefined>,
  response: Response,
): Promise<void> {
  const redirectUri = query.redirect_uri;
  if (!redirectUri || !query.client_id || !query.scope || !query.nonce)
    throw new OAuthError(
      400,
      'invalid_request',
      'client_id, redirect_uri, scope and nonce are required for response_type=id_token.',
    );
  const fields: Record<string, string> = {};
  try {
    fields.id_token = await oauth.signIn({
      clientId: query.client_id,
      redirectUri,
      scope: query.scope,
      nonce: query.nonce,
      ...(query.login_hint ? { loginHint: query.login_hint } : {}),
    });
  } catch (error) {
    if (!(error instanceof OAuthError) || error.error !== 'access_denied') throw error;
    fields.error = 'access_denied';
  }
  if (query.state !== undefined) fields.state = query.state;
  if (query.response_mode !== 'form_post') {
    const target = new URL(redirectUri);
    target.hash = new URLSearchParams(fields).toString();
    response.redirect(302, target.toString());
    return;
  }
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  response
    .status(200)
    .type('html')
    .send(
      `<!doctype html><html><head><title>Signing in</title></head><body>` +
        `<form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form>` +
        `<script>document.forms[0].submit()</script></body></html>`,
    );
}

/** The OAuth 2.0 endpoints google-auth-library's OAuth2Client talks to. */
export function oauthRoutes(parts: ApiParts): Router {
  const { oauth } = parts;
  const router = express.Router();

  router.get('/o/oauth2/v2/auth', async (request, response) => {
    const query = request.query as Record<string, string | undefined>;
    const redirectUri = query.redirect_uri;
    if (query.response_type === 'id_token') {
      await signInWithIdToken(oauth, query, response);
      return;
    }
    if (!redirectUri || !query.client_id || query.response_type !== 'code' || !query.scope)
      throw new OAuthError(
        400,
        'invalid_request',
        'client_id, redirect_uri, response_type=code and scope are required.',
      );
    const target = new URL(redirectUri);
    try {
      const code = oauth.authorize({
        clientId: query.client_id,
        redirectUri,
        scope: query.scope,
        ...(query.login_hint ? { loginHint: query.login_hint } : {}),
        ...(query.access_type ? { accessType: query.access_type } : {}),
        ...(query.nonce ? { nonce: query.nonce } : {}),
        ...(query.code_challenge !== undefined ? { codeChallenge: query.code_challenge } : {}),
        ...(query.code_challenge_method !== undefined
          ? { codeChallengeMethod: query.code_challenge_method }
          : {}),
      });
      target.searchParams.set('code', code);
      target.searchParams.set('scope', query.scope);
    } catch (error) {
      // A bad client or redirect URI is shown on Google's page; a refused consent goes back to the app.
      if (!(error instanceof OAuthError) || error.error !== 'access_denied') throw error;
      target.searchParams.set('error', 'access_denied');
    }
    if (query.state !== undefined) target.searchParams.set('state', query.state);
    response.redirect(302, target.toString());
  });

  router.post('/token', async (request, response) => {
    const body = TokenRequest.safeParse(request.body ?? {});
    if (!body.success) throw new OAuthError(400, 'unsupported_grant_type', 'Invalid grant_type.');
    let clientId = body.data.client_id;
    let clientSecret = body.data.client_secret;
    const basic = /^Basic (.+)$/i.exec(request.header('authorization') ?? '')?.[1];
    if (basic) [clientId, clientSecret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    if (!clientId || !clientSecret) throw new OAuthError(401, 'invalid_client', 'Unauthorized');
    if (body.data.grant_type === 'authorization_code') {
      if (!body.data.code || !body.data.redirect_uri)
        throw new OAuthError(400, 'invalid_request', 'Missing required parameter: code or redirect_uri');
      response.json(
        await oauth.exchangeCode({
          clientId,
          clientSecret,
          code: body.data.code,
          redirectUri: body.data.redirect_uri,
          ...(body.data.code_verifier !== undefined ? { codeVerifier: body.data.code_verifier } : {}),
        }),
      );
      return;
    }
    if (!body.data.refresh_token)
      throw new OAuthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    response.json(await oauth.refresh({ clientId, clientSecret, refreshToken: body.data.refresh_token }));
  });

  router.post('/revoke', (request, response) => {
    const token =
      (request.query.token as string | undefined) ?? (request.body as { token?: string } | undefined)?.token;
    if (!token || !oauth.revoke(token))
      throw new OAuthError(400, 'invalid_token', 'Token expired or revoked');
    response.status(200).json({});
  });

  router.get('/oauth2/v1/certs', (_request, response) => {
    response.setHeader('Cache-Control', 'public, max-age=300, must-revalidate, no-transform');
    response.json(oauth.pemCertificates());
  });
  router.get('/oauth2/v3/certs', (_request, response) => {
    response.setHeader('Cache-Control', 'public, max-age=300, must-revalidate, no-transform');
    response.json(oauth.jwks());
  });

  for (const path of ['/oauth2/v3/userinfo', '/oauth2/v2/userinfo', '/v1/userinfo']) {
    router.get(path, (request, response) => {
      const who = oauth.authenticate(request.header('authorization'));
      const user = who.user;
      response.json({
        sub: user.sub,
        ...(path === '/oauth2/v2/userinfo'
          ? { id: user.sub, verified_email: true }
          : { email_verified: true }),
        email: user.email,
        name: user.name,
        hd: user.domain,
        ...(user.locale ? { locale: user.locale } : {}),
      });
    });
  }
  return router;
}

export function googleErrorMiddleware() {
  return (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    if (error instanceof OAuthError) {
      response.status(error.status).json({ error: error.error, error_description: error.description });
      return;
    }
    if (error instanceof GoogleHttpError) return sendGoogleError(response, error);
    // express.json() rejects malformed bodies with a SyntaxError carrying status 400.
    if (error instanceof SyntaxError)
      return sendGoogleError(response, new GoogleHttpError(400, 'parseError', 'Parse Error'));
    sendGoogleError(
      response,
      new GoogleHttpError(500, 'backendError', error instanceof Error ? error.message : String(error)),
    );
  };
}
