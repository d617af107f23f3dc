import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  ContractViolationError,
  CreateCalendarEventFromMessage,
  ExchangeGoogleAuthorizationCode,
  ExchangeWebexAuthorizationCode,
  commandCatalogue,
  defineCommand,
  personal,
  type ContractIssue,
} from './index.js';

const googleRequest = {
  tenantId: 'example.com',
  code: '4/0AbCdEf-authorization-code',
  redirectUri: 'https://scheduler.example.com/oauth/google/callback',
  codeVerifier: 'pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz',
  correlationId: 'request-1',
};

function issuesOf(action: () => unknown, contract: string): readonly ContractIssue[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ContractViolationError);
    expect((error as ContractViolationError).contract).toBe(contract);
    return (error as ContractViolationError).issues;
  }
  throw new Error(`${contract} accepted an invalid value`);
}

describe('command catalogue', () => {
  it.each(commandCatalogue.map((command) => [command.name, command] as const))(
    '%s is request/reply on cmd.<service>.<action>',
    (_name, command) => {
      expect(command.kind).toBe('command');
      expect(command.subject).toBe(`cmd.${command.service}.${command.action}`);
    },
  );

  it('sends each authorization code to the service that owns those tokens', () => {
    expect(ExchangeGoogleAuthorizationCode.subject).toBe('cmd.google-ingest.exchange-authorization-code');
    expect(ExchangeWebexAuthorizationCode.subject).toBe('cmd.webex-bridge.exchange-authorization-code');
  });

  it('gives every command its own subject', () => {
    const subjects = commandCatalogue.map((command) => command.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });
});

describe('ExchangeGoogleAuthorizationCode', () => {
  it('accepts a request, with or without the user id', () => {
    expect(ExchangeGoogleAuthorizationCode.parseRequest(googleRequest)).toEqual(googleRequest);
    const withUser = { ...googleRequest, userId: '108234567890123456789' };
    expect(ExchangeGoogleAuthorizationCode.parseRequest(withUser)).toEqual(withUser);
  });

  it('answers a connection (perhaps naming missing scopes) or a refusal, nothing else', () => {
    const missing = { userId: '108234567890123456789', connected: true, missingScopes: ['openid'] };
    expect(ExchangeGoogleAuthorizationCode.parseResponse(missing)).toEqual(missing);
    const refused = { connected: false, refused: 'email-mismatch' };
    expect(ExchangeWebexAuthorizationCode.parseResponse(refused)).toEqual(refused);
    expect(() =>
      ExchangeWebexAuthorizationCode.parseResponse({ connected: false, refused: 'other' }),
    ).toThrow(ContractViolationError);
  });

  it('needs a PKCE verifier of 43 to 128 unreserved characters', () => {
    for (const codeVerifier of [undefined, 'short', 'x'.repeat(129), `${'x'.repeat(42)}!`])
      expect(() => ExchangeGoogleAuthorizationCode.parseRequest({ ...googleRequest, codeVerifier })).toThrow(
        ContractViolationError,
      );
  });

  it.each<[string, unknown, ContractIssue[]]>([
    ['a missing code', { ...googleRequest, code: undefined }, [{ path: 'code', message: 'is required' }]],
    [
      'an empty code',
      { ...googleRequest, code: '' },
      [{ path: 'code', message: 'Too small: expected string to have >=1 characters' }],
    ],
    [
      'a redirect URI that is not a URL',
      { ...googleRequest, redirectUri: 'callback' },
      [{ path: 'redirectUri', message: 'Invalid URL' }],
    ],
    [
      'a bad tenant id',
      { ...googleRequest, tenantId: 'Example' },
      [{ path: 'tenantId', message: 'must be a lower-case domain name' }],
    ],
    [
      'a wrong type',
      { ...googleRequest, correlationId: 7 },
      [{ path: 'correlationId', message: 'Invalid input: expected string, received number' }],
    ],
    [
      'an extra field',
      { ...googleRequest, refreshToken: 'secret' },
      [{ path: 'refreshToken', message: 'is not allowed (unknown field)' }],
    ],
    [
      'not an object',
      'code',
      [{ path: '(root)', message: 'Invalid input: expected object, received string' }],
    ],
  ])('rejects a request with %s', (_name, request, expected) => {
    expect(
      issuesOf(
        () => ExchangeGoogleAuthorizationCode.parseRequest(request),
        'ExchangeGoogleAuthorizationCode request',
      ),
    ).toEqual(expected);
  });

  it('puts the command name, path and message into the error message', () => {
    expect(() => ExchangeGoogleAuthorizationCode.parseRequest({ ...googleRequest, code: undefined })).toThrow(
      'ExchangeGoogleAuthorizationCode request violates its contract: code: is required',
    );
  });

  it('validates the response', () => {
    const response = { userId: '108234567890123456789', connected: true };
    expect(ExchangeGoogleAuthorizationCode.parseResponse(response)).toEqual(response);
    expect(
      issuesOf(
        () => ExchangeGoogleAuthorizationCode.parseResponse({ ...response, connected: false }),
        'ExchangeGoogleAuthorizationCode response',
      ),
    ).toEqual([
      { path: 'refused', message: expect.any(String) },
      { path: 'userId', message: 'is not allowed (unknown field)' },
    ]);
  });
});

describe('ExchangeWebexAuthorizationCode', () => {
  it('requires the user id the gateway authenticated', () => {
    expect(
      issuesOf(
        () => ExchangeWebexAuthorizationCode.parseRequest(googleRequest),
        'ExchangeWebexAuthorizationCode request',
      ),
    ).toEqual([
      { path: 'userId', message: 'is required' },
      { path: 'googleEmail', message: 'is required' },
    ]);
    const request = { ...googleRequest, userId: '108234567890123456789', googleEmail: 'ada@example.com' };
    expect(ExchangeWebexAuthorizationCode.parseRequest(request)).toEqual(request);
  });
});

describe('defineCommand', () => {
  const Ping = defineCommand({
    name: 'PingCalendar',
    service: 'google-ingest',
    action: 'ping-calendar',
    sentBy: ['gateway'],
    schemaVersion: 1,
    request: z.strictObject({ calendarId: z.string(), owner: personal(z.string()) }),
    response: z.strictObject({ reachable: z.boolean() }),
  });

  it('derives the subject and the personal-data paths of the request', () => {
    expect(Ping.subject).toBe('cmd.google-ingest.ping-calendar');
    expect(Ping.personalDataPaths).toEqual(['owner']);
  });

  it.each([
    ['an upper-case service', { service: 'GoogleIngest', action: 'ping' }],
    [
      'a dotted action (a subject token must not split)',
      { service: 'google-ingest', action: 'ping.calendar' },
    ],
    ['a wildcard', { service: '*', action: 'ping' }],
    ['an empty action', { service: 'google-ingest', action: '' }],
  ])('refuses %s', (_name, tokens) => {
    expect(() =>
      defineCommand({
        name: 'Bad',
        sentBy: ['gateway'],
        schemaVersion: 1,
        request: z.object({}),
        response: z.object({}),
        ...tokens,
      }),
    ).toThrow('Bad: service and action must be kebab-case subject tokens');
  });

  it.each([
    ['no sender', []],
    ['a sender that is not a service', ['scheduler']],
  ])('refuses %s', (_name, sentBy) => {
    expect(() =>
      defineCommand({
        name: 'Bad',
        service: 'google-ingest',
        action: 'ping',
        sentBy: sentBy as never,
        schemaVersion: 1,
        request: z.object({}),
        response: z.object({}),
      }),
    ).toThrow(/Bad: sentBy must list the services that send it/);
  });

  it('refuses a schemaVersion that is not a positive integer', () => {
    expect(() =>
      defineCommand({
        name: 'Bad',
        service: 'google-ingest',
        action: 'ping',
        sentBy: ['gateway'],
        schemaVersion: 0,
        request: z.object({}),
        response: z.object({}),
      }),
    ).toThrow('Bad: schemaVersion must be a positive integer');
  });
});

describe('CreateCalendarEventFromMessage', () => {
  const request = {
    tenantId: 'example.com',
    userId: '100000000000000000001',
    messageId: '18c2f0a1b2c3d4e5',
    messageToken: 'ya29.per-message_token-1',
    start: '2027-06-01T09:00:00Z',
    end: '2027-06-01T09:30:00Z',
    correlationId: 'request-1',
  };

  it('refuses a message token no HTTP header can carry (fetch threw on it in the handler)', () => {
    expect(CreateCalendarEventFromMessage.parseRequest(request)).toEqual(request);
    for (const messageToken of ['token\u2603', 'two\nlines', 'with space'])
      expect(
        issuesOf(
          () => CreateCalendarEventFromMessage.parseRequest({ ...request, messageToken }),
          'CreateCalendarEventFromMessage request',
        ).map((issue) => issue.path),
      ).toEqual(['messageToken']);
  });
});
