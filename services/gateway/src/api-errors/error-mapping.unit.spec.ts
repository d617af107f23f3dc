import { describe, expect, it } from '@jest/globals';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import {
  InvalidRequestError,
  MeetingAlreadyExistsError,
  MeetingNotFoundError,
  NotEventOrganizerError,
  ServiceUnavailableError,
  UnauthenticatedError,
  UpstreamFailedError,
} from './api-errors.js';
import { errorResponseFor } from './error-mapping.js';
import { ZodValidationPipe } from './zod-validation.pipe.js';

const correlationId = 'corr-1';

describe('errorResponseFor', () => {
  it('answers our typed errors with their status, code and details', () => {
    expect(errorResponseFor(new UnauthenticatedError('missing_token'), correlationId)).toEqual({
      status: 401,
      body: {
        error: {
          code: 'unauthenticated',
          reason: 'missing_token',
          message: expect.any(String),
          correlationId,
        },
      },
    });
    expect(errorResponseFor(new NotEventOrganizerError(), correlationId).status).toBe(403);
    expect(errorResponseFor(new MeetingNotFoundError('m-1'), correlationId).body.error).toMatchObject({
      code: 'meeting_not_found',
      meetingId: 'm-1',
    });
    expect(errorResponseFor(new MeetingAlreadyExistsError('m-2'), correlationId)).toMatchObject({
      status: 409,
      body: { error: { code: 'meeting_already_exists', meetingId: 'm-2' } },
    });
  });

  it('keeps the cause of an upstream failure out of the answer', () => {
    const answer = errorResponseFor(
      new UpstreamFailedError('google_connection', {
        cause: new Error('token abc for alice@demo.example'),
      }),
      correlationId,
    );
    expect(answer.status).toBe(502);
    expect(JSON.stringify(answer.body)).not.toMatch(/alice|abc/);
  });

  it('answers a service that did not answer with a 503 naming the operation, keeping the cause out', () => {
    const answer = errorResponseFor(
      new ServiceUnavailableError('meeting_request', {
        cause: new Error('503 no responders on cmd.webex-bridge.request-meeting'),
      }),
      correlationId,
    );
    expect(answer).toEqual({
      status: 503,
      body: {
        error: {
          code: 'service_unavailable',
          operation: 'the meeting request',
          message: expect.any(String),
          correlationId,
        },
      },
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/responders|cmd\./);
  });

  it('answers unexpected errors with a 500 that reveals nothing, logging only the name and stack frames', () => {
    const secretError = new TypeError('cannot read title "Salary talk with alice@demo.example"');
    const answer = errorResponseFor(secretError, correlationId);
    expect(answer).toMatchObject({
      status: 500,
      body: { error: { code: 'internal_error', message: 'An unexpected error occurred', correlationId } },
      logFields: { errorName: 'TypeError' },
    });
    expect(JSON.stringify(answer)).not.toMatch(/Salary|alice/);
    expect(answer.logFields!.frames).toMatch(/^\s+at /);
  });

  it('maps framework errors to generic messages (their own may echo the path) and parse errors to a field', () => {
    const notFound = errorResponseFor(
      new NotFoundException('Cannot GET /v1/meetings/alice@demo.example'),
      correlationId,
    );
    expect(notFound).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'No such resource', correlationId } },
    });
    const syntax = Object.assign(new SyntaxError('Unexpected token } in JSON at position 9'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    const parse = errorResponseFor(new BadRequestException(syntax.message, { cause: syntax }), correlationId);
    expect(parse.body.error).toEqual({
      code: 'invalid_request',
      message: 'The request body is not valid JSON',
      fields: [{ path: '(body)', message: 'must be valid JSON' }],
      correlationId,
    });
    const tooLarge = errorResponseFor(
      Object.assign(new Error('request entity too large'), { status: 413, type: 'entity.too.large' }),
      correlationId,
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
  });
});

describe('errorResponseFor in a language', () => {
  it("writes the message in the caller's language; code and details stay as they are", () => {
    const answer = errorResponseFor(new MeetingNotFoundError('m-1'), correlationId, 'de-DE');
    expect(answer.body.error).toEqual({
      code: 'meeting_not_found',
      message: 'Für den angemeldeten Benutzer gibt es keine Besprechung mit dieser ID',
      meetingId: 'm-1',
      correlationId,
    });
  });

  it('translates the operation inside the message, the operation detail stays English', () => {
    const answer = errorResponseFor(new ServiceUnavailableError('meeting_request'), correlationId, 'fr');
    expect(answer.body.error).toMatchObject({
      operation: 'the meeting request',
      message:
        'La passerelle n’a pas pu mener à bien la demande de réunion pour le moment ; réessayez dans un instant',
    });
  });

  it('keeps field paths as they are inside a translated message', () => {
    const answer = errorResponseFor(
      new InvalidRequestError('body', [
        { path: 'calendarId', message: 'is required' },
        { path: 'eventId', message: 'is required' },
      ]),
      correlationId,
      'es',
    );
    expect(answer.body.error.message).toBe('El cuerpo de la solicitud no es válido: calendarId, eventId');
  });

  it('translates framework and unexpected errors too', () => {
    expect(errorResponseFor(new NotFoundException(), correlationId, 'ja').body.error.message).toBe(
      'そのリソースは存在しません',
    );
    expect(errorResponseFor(new Error('x'), correlationId, 'de').body.error.message).toBe(
      'Ein unerwarteter Fehler ist aufgetreten',
    );
  });

  it('answers English for an unsupported or missing language, and keeps Error.message English', () => {
    const error = new UnauthenticatedError('missing_token');
    expect(errorResponseFor(error, correlationId, 'pt-BR').body.error.message).toBe(error.message);
    expect(errorResponseFor(error, correlationId).body.error.message).toBe(
      'An Authorization: Bearer <Google ID token> header is required',
    );
  });
});

describe('ZodValidationPipe', () => {
  const pipe = new ZodValidationPipe(
    z.strictObject({
      calendarId: z.string().min(1),
      nested: z.strictObject({ count: z.number() }).optional(),
    }),
    'body',
  );

  function fieldsOf(value: unknown) {
    try {
      pipe.transform(value);
    } catch (error) {
      if (error instanceof InvalidRequestError) return error.fields;
      throw error;
    }
    return [];
  }

  it('names every bad field: missing ones as required, unknown keys as not allowed, nested paths dotted', () => {
    expect(fieldsOf({ nested: { count: 'x', extra: 1 }, other: true })).toEqual([
      { path: 'calendarId', message: 'is required' },
      { path: 'nested.count', message: expect.stringContaining('number') },
      { path: 'nested.extra', message: 'is not allowed' },
      { path: 'other', message: 'is not allowed' },
    ]);
    expect(fieldsOf(undefined)).toEqual([{ path: '(body)', message: 'is required' }]);
    expect(pipe.transform({ calendarId: 'c' })).toEqual({ calendarId: 'c' });
  });
});
