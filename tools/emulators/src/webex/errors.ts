import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { FaultAnswer } from '../core/faults.js';

/** Webex tracking ids look like "ROUTER_65E0D2F1-0A5B-01BB-0C9F-AC12D8770C9F". */
export function newTrackingId(): string {
  return `ROUTER_${randomUUID().toUpperCase()}`;
}

/** Every API response carries a TrackingID header; errors repeat it in the body. */
export function trackingIdHeader() {
  return (_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('TrackingID', newTrackingId());
    next();
  };
}

function currentTrackingId(response: Response): string {
  const existing = response.getHeader('TrackingID');
  if (typeof existing === 'string') return existing;
  const created = newTrackingId();
  response.setHeader('TrackingID', created);
  return created;
}

/** Webex's error shape: {message, errors:[{description}], trackingId}. */
export function sendWebexError(
  response: Response,
  status: number,
  message: string,
  descriptions: readonly string[] = [message],
  extra: Record<string, unknown> = {},
): void {
  response.status(status).json({
    message,
    errors: descriptions.map((description) => ({ description })),
    trackingId: currentTrackingId(response),
    ...extra,
  });
}

const statusMessages: Record<number, string> = {
  400: 'The request was invalid or cannot be otherwise served.',
  401: 'The request requires a valid access token set in the Authorization request header.',
  403: 'The server understood the request, but refused to fulfill it.',
  404: 'The requested resource could not be found.',
  409: 'The request could not be processed because it conflicts with some established rule of the system.',
  423: 'The requested resource is temporarily unavailable.',
  429: 'Too many requests have been sent in a given amount of time and the request has been rate limited.',
  500: 'Something went wrong on the server.',
  502: 'The server received an invalid response from an upstream server while processing the request.',
  503: 'Server is overloaded with requests. Try again later.',
  504: 'An upstream server failed to respond on time.',
};

export function statusMessage(status: number): string {
  return statusMessages[status] ?? `The request failed with status ${status}.`;
}

/** Renders an injected fault the way Webex would answer. */
export function renderFault(response: Response, fault: FaultAnswer): void {
  sendWebexError(response, fault.status, statusMessage(fault.status));
}
