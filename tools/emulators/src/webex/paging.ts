import type { Request, Response } from 'express';

/** Webex's `max`: 1 to 100, default 10. Undefined when the value is anything else. */
export function pageSize(max: unknown): number | undefined {
  const size = max === undefined ? 10 : Number(max);
  return Number.isInteger(size) && size >= 1 && size <= 100 ? size : undefined;
}

/** The offset an opaque `cursor` stands for (our cursors are base64url offsets). Undefined when invalid. */
export function cursorOffset(cursor: unknown): number | undefined {
  if (cursor === undefined) return 0;
  const offset = Number(Buffer.from(String(cursor), 'base64url').toString('utf8'));
  return Number.isInteger(offset) && offset >= 0 ? offset : undefined;
}

/**
 * One page of `items` from `offset`. When more remain, sets `Link: <next>; rel="next"`, the
 * request's absolute URL with the same query plus the next `cursor`, as Webex pages.
 */
export function pageOf<T>(
  request: Request,
  response: Response,
  items: readonly T[],
  offset: number,
  max: number,
): T[] {
  if (offset + max < items.length) {
    const next = new URL(request.originalUrl, `${request.protocol}://${request.get('host')}`);
    next.searchParams.set('cursor', Buffer.from(String(offset + max)).toString('base64url'));
    response.setHeader('Link', `<${next.toString()}>; rel="next"`);
  }
  return items.slice(offset, offset + max);
}
