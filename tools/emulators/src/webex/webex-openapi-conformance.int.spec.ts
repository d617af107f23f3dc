// Fidelity check: every Webex route the client uses is exercised against the emulator, and
// both sides are validated against Cisco's Webex Meetings OpenAPI: the emulator's responses
// (status, body, Link header) and the client's requests (body, query). The repository keeps the
// operations the client uses and the schemas they reference in libs/webex/openapi/ (see its README).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  WebexApiError,
  WebexClient,
  WebexOAuth,
  createWebexCircuitBreaker,
  staticTokenProvider,
} from '@scheduler/webex';
import { createWebexEmulator, developmentClient, type WebexEmulator } from './index.js';

const openApiFolder = new URL('../../../../libs/webex/openapi/', import.meta.url);

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: object }>;
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<
    string,
    { content?: Record<string, { schema: object }>; headers?: Record<string, unknown> }
  >;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

const readJson = <T>(name: string) => JSON.parse(readFileSync(new URL(name, openApiFolder), 'utf8')) as T;

/** Routes the production client uses; each must be seen and validated at least once. */
const routesWeUse = readJson<string[]>('routes.json');

/**
 * The published schemas allow any extra property. For fidelity we close every object, so the
 * emulator cannot invent a field Webex does not document, nor the client send one.
 */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeObjects);
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (record.type === 'object' && record.properties && record.additionalProperties === undefined)
    record.additionalProperties = false;
  Object.values(record).forEach(closeObjects);
}

const pointer = (...segments: string[]) =>
  segments.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

interface Exchange {
  method: string;
  url: URL;
  requestBody: string | undefined;
  status: number;
  headers: Headers;
  body: string;
  followedLink: boolean;
}

describe('Webex OpenAPI conformance (emulator responses and client requests)', () => {
  const spec = readJson<OpenApi>('webex-meetings.subset.openapi.json');
  const strict = structuredClone(spec);
  closeObjects(strict);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(strict as object, 'webex');
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (...segments: string[]) => {
    const reference = `webex#/${pointer(...segments)}`;
    let validate = validators.get(reference);
    if (!validate) {
      validate = ajv.compile({ $ref: reference });
      validators.set(reference, validate);
    }
    return validate;
  };
  const templates = Object.keys(spec.paths).sort(
    (left, right) => (left.includes('{') ? 1 : 0) - (right.includes('{') ? 1 : 0),
  );
  const templateOf = (path: string) =>
    templates.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  const errorSchema = [
    'paths',
    '/meetings',
    'post',
    'responses',
    '400',
    'content',
    'application/json;charset=UTF-8',
    'schema',
  ];

  let emulator: WebexEmulator;
  const exchanges: Exchange[] = [];
  let nextIsLink = false;

  beforeAll(async () => {
    emulator = createWebexEmulator({
      users: [
        {
          email: 'grace@example.com',
          displayName: 'Grace Hopper',
          timezone: 'America/New_York',
          sites: [{ siteUrl: 'navy.webex.com' }],
        },
      ],
      sweepIntervalMs: 0,
    });
    const apiUrl = `${(await emulator.listen()).url}/v1`;
    const oauth = new WebexOAuth({
      baseUrl: apiUrl,
      clientId: developmentClient.clientId,
      clientSecret: developmentClient.clientSecret,
      redirectUri: 'https://scheduler.example/cb',
    });
    const authorization = await fetch(
      oauth.authorizationUrl({ state: 's', loginHint: 'grace@example.com' }),
      { redirect: 'manual' },
    );
    const tokens = await oauth.exchangeCode(
      new URL(authorization.headers.get('location')!).searchParams.get('code')!,
    );

    const recordingFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      const response = await fetch(input, init);
      const body = await response.clone().text();
      exchanges.push({
        method: init?.method ?? 'GET',
        url,
        requestBody: typeof init?.body === 'string' ? init.body : undefined,
        status: response.status,
        headers: response.headers,
        body,
        followedLink: nextIsLink,
      });
      nextIsLink = response.headers.has('link');
      return response;
    };
    const webex = new WebexClient({
      baseUrl: apiUrl,
      tokens: staticTokenProvider(tokens.accessToken),
      fetch: recordingFetch,
      retry: { maxAttempts: 1 },
      circuitBreaker: createWebexCircuitBreaker({ failureThreshold: 100 }),
    });

    const at = (hours: number) =>
      new Date(Math.ceil((Date.now() + hours * 3_600_000) / 60_000) * 60_000).toISOString();
    const tag = 'conformance-0001';
    const { meeting } = await webex.createMeeting(
      {
        title: 'Conformance',
        start: at(2),
        end: at(3),
        timezone: 'America/New_York',
        agenda: 'Check every field',
        invitees: [{ email: 'ada@example.com', displayName: 'Ada' }],
        sendEmail: false,
      },
      { integrationTag: tag },
    );
    await webex.createMeeting({ title: 'Second', start: at(4), end: at(5) }, { integrationTag: tag });
    // A recurring series: its occurrences listed, one changed, one deleted, the rule replaced.
    const { meeting: series } = await webex.createMeeting(
      {
        title: 'Weekly',
        start: at(24),
        end: at(25),
        timezone: 'Europe/Berlin',
        recurrence: 'FREQ=WEEKLY;INTERVAL=1;COUNT=4',
        sendEmail: false,
      },
      { integrationTag: 'conformance-series' },
    );
    const occurrences = await webex.listMeetingOccurrences(series.id, { from: at(0), to: at(24 * 30) });
    await webex.listMeetingOccurrences(series.id, { from: at(0), to: at(24 * 30), isModified: false });
    await webex.patchMeetingOccurrence(occurrences[1]!.id, {
      title: 'Changed once',
      agenda: 'Only this one',
    });
    await webex.deleteMeetingOccurrence(occurrences[2]!.id, { sendEmail: false });
    await webex.patchMeeting(series.id, { recurrence: 'FREQ=DAILY;INTERVAL=1;COUNT=3' });
    await webex.getMeeting(meeting.id);
    await webex.patchMeeting(meeting.id, {
      title: 'Conformance (patched)',
      start: at(6),
      end: at(7),
      timezone: 'Europe/London',
    });
    await webex.replaceMeeting(meeting.id, {
      title: 'Conformance (put)',
      password: 'Pass1234',
      start: at(6),
      end: at(8),
      agenda: 'Replaced',
    });
    // Meeting invitees: the one given at create is listed; invite, bulk invite, read, replace,
    // remove (twice: the second is a 404), and invite someone already invited (a 409, then adopted).
    await webex.listMeetingInvitees(meeting.id);
    const { invitee } = await webex.createMeetingInvitee(
      meeting.id,
      { email: 'alan@example.com', displayName: 'Alan' },
      { sendEmail: false },
    );
    await webex.createMeetingInvitees(
      meeting.id,
      [
        { email: 'edsger@example.com', displayName: 'Edsger', coHost: false },
        { email: 'barbara@example.com' },
      ],
      { sendEmail: false },
    );
    await webex.getMeetingInvitee(invitee.id);
    await webex.updateMeetingInvitee(
      invitee.id,
      { email: 'alan@example.com', displayName: 'Alan Turing' },
      { sendEmail: false },
    );
    await webex.deleteMeetingInvitee(invitee.id, { sendEmail: false });
    await webex.deleteMeetingInvitee(invitee.id);
    await webex.createMeetingInvitee(meeting.id, { email: 'ada@example.com' }, { sendEmail: false });
    await webex.listMeetings({ integrationTag: tag, from: at(0), to: at(24), max: 1 });
    await webex.getMe();
    await webex.listSites();
    await webex.listMeetingTemplates();
    const webhook = await webex.createWebhook({
      name: 'meeting ended',
      targetUrl: 'https://scheduler.example/webhooks/webex',
      resource: 'meetings',
      event: 'ended',
      secret: 'webhook-secret',
    });
    await webex.listWebhooks();
    await webex.deleteWebhook(webhook.id);
    await webex.deleteMeeting(meeting.id, { sendEmail: false });
    // Error answers: a 404, a validation 400 and a 429 must all have Webex's error shape.
    await webex.deleteMeeting(meeting.id);
    await webex
      .createMeeting({ title: 'In the past', start: at(-2), end: at(-1) }, { integrationTag: 'past' })
      .catch((error: unknown) => {
        if (!(error instanceof WebexApiError) || error.status !== 400) throw error;
      });
    emulator.faults.add({
      method: 'GET',
      pathPrefix: '/v1/people/me',
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
    await webex.getMe().catch((error: unknown) => {
      if (!(error instanceof WebexApiError) || error.status !== 429) throw error;
    });
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('the in-repo subset holds exactly the routes the client uses (after editing routes.json, run refresh.mjs)', () => {
    const inSubset = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(inSubset.sort()).toEqual([...routesWeUse].sort());
  });

  it('the validator is live: it rejects a meeting without telephony and one with an undocumented field', () => {
    const validate = validatorAt('components', 'schemas', 'MeetingSeriesObject');
    const created = exchanges.find(
      (exchange) =>
        exchange.method === 'POST' && exchange.status === 200 && exchange.url.pathname === '/v1/meetings',
    )!;
    const meeting = JSON.parse(created.body) as Record<string, unknown>;
    expect(validate(meeting)).toBe(true);
    const { telephony: _telephony, ...withoutTelephony } = meeting;
    expect(validate(withoutTelephony)).toBe(false);
    expect(validate({ ...meeting, meetingSeriesId: meeting.id })).toBe(false);
  });

  it('exercised every route the client uses', () => {
    const seen = new Set(
      exchanges
        .filter((exchange) => exchange.status < 300)
        .map((exchange) => `${exchange.method} ${templateOf(exchange.url.pathname.replace(/^\/v1/, ''))}`),
    );
    expect(routesWeUse.filter((route) => !seen.has(route))).toEqual([]);
  });

  it('every emulator response matches the spec: declared status, body schema, headers', () => {
    const problems: string[] = [];
    for (const exchange of exchanges) {
      const path = templateOf(exchange.url.pathname.replace(/^\/v1/, ''));
      const label = `${exchange.method} ${exchange.url.pathname} → ${exchange.status}`;
      const method = exchange.method.toLowerCase();
      const operation = path ? spec.paths[path]?.[method] : undefined;
      if (!path || !operation) {
        problems.push(`${label}: not in the spec`);
        continue;
      }
      const declared = operation.responses[String(exchange.status)];
      if (!declared) {
        problems.push(`${label}: status not declared`);
        continue;
      }
      if (!exchange.headers.get('trackingid')) problems.push(`${label}: no TrackingID header`);
      if (exchange.status === 204) {
        if (exchange.body !== '') problems.push(`${label}: 204 with a body`);
        continue;
      }
      const body = exchange.body === '' ? undefined : (JSON.parse(exchange.body) as unknown);
      if (exchange.status >= 400) {
        const validate = validatorAt(...errorSchema);
        if (!validate(body)) problems.push(`${label}: error body ${ajv.errorsText(validate.errors)}`);
        const errorBody = body as { message?: unknown; errors?: unknown[]; trackingId?: unknown };
        if (
          typeof errorBody.message !== 'string' ||
          !Array.isArray(errorBody.errors) ||
          typeof errorBody.trackingId !== 'string'
        )
          problems.push(`${label}: error body lacks message, errors[] or trackingId`);
        if (exchange.status === 429 && !exchange.headers.get('retry-after'))
          problems.push(`${label}: 429 without Retry-After`);
        continue;
      }
      const [mediaType] = Object.keys(declared.content ?? {});
      if (!mediaType) {
        problems.push(`${label}: the spec declares no body`);
        continue;
      }
      if (!exchange.headers.get('content-type')?.startsWith('application/json'))
        problems.push(`${label}: content-type ${exchange.headers.get('content-type')}`);
      const validate = validatorAt(
        'paths',
        path,
        method,
        'responses',
        String(exchange.status),
        'content',
        mediaType,
        'schema',
      );
      if (!validate(body)) problems.push(`${label}: ${ajv.errorsText(validate.errors)}`);
      const link = exchange.headers.get('link');
      if (link !== null) {
        if (!declared.headers?.Link) problems.push(`${label}: Link header not declared`);
        if (!/^<https?:\/\/[^>]+>; rel="next"$/.test(link)) problems.push(`${label}: Link header ${link}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every client request matches the spec: body schema and declared query parameters', () => {
    const problems: string[] = [];
    let bodiesChecked = 0;
    for (const exchange of exchanges) {
      const path = templateOf(exchange.url.pathname.replace(/^\/v1/, ''));
      const method = exchange.method.toLowerCase();
      const operation = path ? spec.paths[path]?.[method] : undefined;
      const label = `${exchange.method} ${exchange.url.pathname}`;
      if (!path || !operation) {
        problems.push(`${label}: not in the spec`);
        continue;
      }
      if (!exchange.followedLink) {
        for (const [name, value] of exchange.url.searchParams) {
          const parameter = operation.parameters?.find(
            (candidate) => candidate.in === 'query' && candidate.name === name,
          );
          if (!parameter) {
            problems.push(`${label}: query parameter ${name} is not declared`);
            continue;
          }
          const schema = parameter.schema as { type?: string; enum?: string[] } | undefined;
          const typed =
            schema?.type === 'number'
              ? Number(value)
              : schema?.type === 'boolean'
                ? value === 'true'
                  ? true
                  : value === 'false'
                    ? false
                    : value
                : value;
          if (schema && !ajv.validate(schema, typed))
            problems.push(`${label}: ${name}=${value} ${ajv.errorsText()}`);
        }
      }
      if (exchange.requestBody === undefined) {
        if (operation.requestBody && method !== 'get') problems.push(`${label}: the spec expects a body`);
        continue;
      }
      const [mediaType] = Object.keys(operation.requestBody?.content ?? {});
      if (!mediaType) {
        problems.push(`${label}: sent a body the spec does not declare`);
        continue;
      }
      const validate = validatorAt('paths', path, method, 'requestBody', 'content', mediaType, 'schema');
      if (!validate(JSON.parse(exchange.requestBody)))
        problems.push(`${label}: ${ajv.errorsText(validate.errors)}`);
      bodiesChecked++;
    }
    expect(problems).toEqual([]);
    // POST /meetings (x4), PATCH (x3), PUT, POST /webhooks, POST /meetingInvitees (x2), bulkInsert and PUT.
    expect(bodiesChecked).toBeGreaterThanOrEqual(13);
  });
});
