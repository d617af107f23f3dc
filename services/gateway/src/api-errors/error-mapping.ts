import { HttpException } from '@nestjs/common';
import type { ErrorMessageKey } from '@scheduler/i18n';
import { ApiError, type ErrorBody, messageIn } from './api-errors.js';

export interface ErrorResponse {
  readonly status: number;
  readonly body: ErrorBody;
  /** Headers the answer carries besides the body (e.g. Retry-After on a 429). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Set for failures operators must see (5xx). Never holds the error's message: it may carry personal data. */
  readonly logFields?: { readonly errorName: string; readonly frames: string };
}

const genericByStatus: Record<number, { code: string; key: ErrorMessageKey }> = {
  400: { code: 'invalid_request', key: 'invalid_request' },
  401: { code: 'unauthenticated', key: 'unauthenticated' },
  403: { code: 'forbidden', key: 'forbidden' },
  404: { code: 'not_found', key: 'not_found' },
  405: { code: 'method_not_allowed', key: 'method_not_allowed' },
  413: { code: 'payload_too_large', key: 'payload_too_large' },
  415: { code: 'unsupported_media_type', key: 'unsupported_media_type' },
  429: { code: 'too_many_requests', key: 'too_many_requests' },
};

/** A generic answer's body: its code and its message in `language`. */
const generic = (
  code: string,
  key: ErrorMessageKey,
  language: string | undefined,
  correlationId: string,
) => ({
  error: { code, message: messageIn({ key }, language), correlationId },
});

/** body-parser's errors (express.json): they carry `status` and `type`, not an HttpException. */
function bodyParserProblem(exception: unknown): { status: number; type: string } | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { status, type } = exception as { status?: unknown; type?: unknown };
  return typeof status === 'number' && typeof type === 'string' && status >= 400 && status < 500
    ? { status, type }
    : undefined;
}

/** The stack without its first line (the message), so a 5xx can be traced without logging what it said. */
function framesOf(exception: unknown): string {
  const stack = exception instanceof Error ? (exception.stack ?? '') : '';
  return stack.split('\n').slice(1, 8).join('\n');
}

/**
 * Maps anything thrown while serving a request to the API's one error format, its message in
 * `language` (English when unsupported or not given). Our ApiErrors pass as they are; framework
 * and parser errors get a generic message for their status (their own messages can echo paths or
 * input); anything else is a 500 that reveals nothing.
 */
export function errorResponseFor(
  exception: unknown,
  correlationId: string,
  language?: string,
): ErrorResponse {
  if (exception instanceof ApiError) {
    const body = exception.toBody(language);
    const headers = exception.headers();
    return {
      status: exception.status,
      body: { error: { ...body.error, correlationId } },
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
    };
  }
  // Nest's express adapter wraps parser errors in an HttpException with the original as cause.
  const parser =
    bodyParserProblem(exception) ??
    (exception instanceof HttpException ? bodyParserProblem(exception.cause) : undefined);
  if (parser) {
    if (parser.type === 'entity.parse.failed')
      return {
        status: 400,
        body: {
          error: {
            code: 'invalid_request',
            message: messageIn({ key: 'invalid_json' }, language),
            fields: [{ path: '(body)', message: 'must be valid JSON' }],
            correlationId,
          },
        },
      };
    const known = genericByStatus[parser.status] ?? { code: 'invalid_request', key: 'invalid_request' };
    return { status: parser.status, body: generic(known.code, known.key, language, correlationId) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status < 500) {
      const known = genericByStatus[status] ?? { code: `http_${status}`, key: 'request_failed' };
      return { status, body: generic(known.code, known.key, language, correlationId) };
    }
  }
  return {
    status: 500,
    body: generic('internal_error', 'internal_error', language, correlationId),
    logFields: {
      errorName: exception instanceof Error ? exception.name : typeof exception,
      frames: framesOf(exception),
    },
  };
}
