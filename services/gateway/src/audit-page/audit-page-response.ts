import type { Response } from 'express';
import { AUDIT_PAGE_CSP } from './audit-pages.js';

/** Headers of every /admin answer: the strict CSP, no sniffing, no caching of personal data, no referrer. */
export function setPageHeaders(response: Response): void {
  response.set({
    'content-security-policy': AUDIT_PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
}

export function sendPage(response: Response, status: number, markup: string): void {
  setPageHeaders(response);
  response.status(status).type('html').send(markup);
}
