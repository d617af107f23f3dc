import { parseRetryAfter, withTimeout } from '@scheduler/resilience';
import type { z } from 'zod';
import {
  WebexApiError,
  WebexNetworkError,
  WebexRateLimited,
  WebexResponseInvalid,
  type WebexErrorDetail,
} from './errors.js';
import { WebexErrorBody } from './schemas.js';

export type Fetch = typeof fetch;

export interface Exchange {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** One HTTP exchange with a deadline; a missing answer becomes WebexNetworkError or TimeoutError. */
export async function exchange(
  fetchImplementation: Fetch,
  request: Exchange,
  timeoutMs: number,
): Promise<Response> {
  const label = `Webex ${request.method} ${request.url.pathname}`;
  return withTimeout(label, timeoutMs, async (signal) => {
    try {
      const response = await fetchImplementation(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
        signal,
        redirect: 'manual',
      });
      // Read the body inside the deadline too: a server can stall after the headers.
      const text = await response.text();
      return new Response(response.status === 204 || response.status === 304 ? null : text, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new WebexNetworkError(request.method, request.url.pathname, error);
    }
  });
}

export function trackingIdOf(
  response: Response,
  body?: { trackingId?: string | undefined },
): string | undefined {
  return body?.trackingId ?? response.headers.get('trackingid') ?? undefined;
}

async function jsonOrUndefined(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Turns a non-2xx answer into the matching typed error. */
export async function errorFrom(
  response: Response,
  method: string,
  path: string,
  defaultRetryAfterMs: number,
): Promise<WebexApiError> {
  const raw = await jsonOrUndefined(response);
  const parsed = WebexErrorBody.safeParse(raw);
  const body = parsed.success ? parsed.data : {};
  const message =
    body.message ??
    body.error_description ??
    (typeof raw === 'string' && raw !== '' ? raw : response.statusText || `HTTP ${response.status}`);
  const details: WebexErrorDetail[] = (body.errors ?? []).map((detail) => ({
    description: detail.description ?? '',
  }));
  const trackingId = trackingIdOf(response, body);
  if (response.status === 429 || response.status === 423) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? defaultRetryAfterMs;
    return new WebexRateLimited(response.status, method, path, trackingId, message, details, retryAfterMs);
  }
  return new WebexApiError(response.status, method, path, trackingId, message, details);
}

export async function parseBody<T>(
  response: Response,
  schema: z.ZodType<T>,
  method: string,
  path: string,
): Promise<T> {
  const raw = await jsonOrUndefined(response);
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new WebexResponseInvalid(
      method,
      path,
      trackingIdOf(response),
      result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`),
    );
  return result.data;
}
