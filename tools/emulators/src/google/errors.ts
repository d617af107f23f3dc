import type { Response } from 'express';

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  410: 'FAILED_PRECONDITION',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const defaultReasons: Record<number, string> = {
  400: 'invalid',
  401: 'authError',
  403: 'forbidden',
  404: 'notFound',
  409: 'duplicate',
  410: 'deleted',
  429: 'rateLimitExceeded',
  500: 'backendError',
  502: 'backendError',
  503: 'backendError',
  504: 'backendError',
};

const usageLimitReasons = new Set([
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'quotaExceeded',
  'dailyLimitExceeded',
]);

/** Thrown by handlers; rendered in Google's JSON error shape by the error middleware. */
export class GoogleHttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly extra: { location?: string; locationType?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }
}

/** Google APIs' error body: {"error":{"code","message","errors":[{domain,reason,message}],"status"}}. */
export function googleErrorBody(
  status: number,
  reason: string | undefined,
  message: string,
  location?: string,
) {
  const resolvedReason = reason ?? defaultReasons[status] ?? 'backendError';
  return {
    error: {
      code: status,
      message,
      errors: [
        {
          domain: usageLimitReasons.has(resolvedReason) ? 'usageLimits' : 'global',
          reason: resolvedReason,
          message,
          ...(location
            ? { location, locationType: location === 'Authorization' ? 'header' : 'parameter' }
            : {}),
        },
      ],
      status: statusNames[status] ?? 'UNKNOWN',
    },
  };
}

export function sendGoogleError(response: Response, error: GoogleHttpError): void {
  if (error.status === 401)
    response.setHeader(
      'WWW-Authenticate',
      'Bearer realm="https://accounts.google.com/", error="invalid_token"',
    );
  if (error.extra.retryAfterSeconds !== undefined)
    response.setHeader('Retry-After', String(error.extra.retryAfterSeconds));
  response
    .status(error.status)
    .json(googleErrorBody(error.status, error.reason, error.message, error.extra.location));
}

export function faultMessage(status: number, reason: string | undefined): string {
  if (reason === 'rateLimitExceeded') return 'Rate Limit Exceeded';
  if (reason === 'userRateLimitExceeded') return 'User Rate Limit Exceeded';
  if (status === 429) return 'Rate Limit Exceeded';
  if (status >= 500) return 'Backend Error';
  return 'Injected fault';
}

/** OAuth endpoints answer in RFC 6749's shape instead: {error, error_description}. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}
