import { HttpException } from '@nestjs/common';
import { ApiError, type ErrorBody } from './api-errors.js';

export interface ErrorResponse {
  readonly status: number;
  readonly body: ErrorBody;
  /** Headers the answer carries besides the body (e.g. Retry-After on a 429). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Set for failures operators must see (5xx). Never holds the error's message: it may carry personal data. */
  readonly logFields?: { readonly errorName: string; readonly frames: string };
}

const genericByStatus: Record<number, { code: string; message: string }> = {
  400: { code: 'invalid_request', message: 'The request is invalid' },
  401: { code: 'unauthenticated', message: 'Authentication is required' },
  403: { code: 'forbidden', message: 'The request is not allowed' },
  404: { code: 'not_found', message: 'No such resource' },
  405: { code: 'method_not_allowed', message: 'The method is not allowed on this resource' },
  413: { code: 'payload_too_large', message: 'The request body is too large' },
  415: { code: 'unsupported_media_type', message: 'The request body must be application/json' },
  429: { code: 'too_many_requests', message: 'Too many requests; retry later' },
};

const internal = { code: 'internal_error', message: 'An unexpected error occurred' };

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
 * Maps anything thrown while serving a request to the API's one error format. Our ApiErrors pass
 * as they are; framework and parser errors get a generic message for their status (their own
 * messages can echo paths or input); anything else is a 500 that reveals nothing.
 */
export function errorResponseFor(exception: unknown, correlationId: string): ErrorResponse {
  if (exception instanceof ApiError) {
    const body = exception.toBody();
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
            message: 'The request body is not valid JSON',
            fields: [{ path: '(body)', message: 'must be valid JSON' }],
            correlationId,
          },
        },
      };
    const generic = genericByStatus[parser.status] ?? {
      code: 'invalid_request',
      message: 'The request is invalid',
    };
    return { status: parser.status, body: { error: { ...generic, correlationId } } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status < 500) {
      const generic = genericByStatus[status] ?? { code: `http_${status}`, message: 'The request failed' };
      return { status, body: { error: { ...generic, correlationId } } };
    }
  }
  return {
    status: 500,
    body: { error: { ...internal, correlationId } },
    logFields: {
      errorName: exception instanceof Error ? exception.name : typeof exception,
      frames: framesOf(exception),
    },
  };
}
