/** One hop of a browser's navigation: where it went and what answered. */
export interface Hop {
  readonly url: string;
  readonly status: number;
  readonly location?: string;
}

interface StoredCookie {
  readonly value: string;
  readonly host: string;
  readonly path: string;
}

/**
 * A browser as an OAuth round trip needs one: it keeps cookies (by host name, any port, as
 * browsers do; by path; Max-Age=0 deletes) and follows redirects by hand, so a test can stop at any hop, replay a URL, or send
 * it from another browser. Secure and SameSite are not enforced (the stacks run over http).
 */
export class Browser {
  private readonly cookies = new Map<string, StoredCookie>();

  /** Cookie names this browser holds for `url`. */
  cookieNames(url: string): string[] {
    const target = new URL(url);
    return [...this.cookies.entries()]
      .filter(([, cookie]) => cookie.host === target.hostname && target.pathname.startsWith(cookie.path))
      .map(([key]) => key.split('|')[2]!);
  }

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookie = [...this.cookies.entries()]
      .filter(([, stored]) => stored.host === target.hostname && target.pathname.startsWith(stored.path))
      .map(([key, stored]) => `${key.split('|')[2]}=${stored.value}`)
      .join('; ');
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target, line);
    return response;
  }

  /**
   * Navigates to `url` and follows redirects (at most `maxHops`) until a page answers, or until
   * `stopAt` accepts the next URL (answered as `stoppedAt`, not fetched). `headers` go with the
   * first request only (e.g. the add-on's bearer token).
   */
  async navigate(
    url: string,
    options: { maxHops?: number; stopAt?: (url: URL) => boolean; headers?: Record<string, string> } = {},
  ): Promise<{ hops: Hop[]; response?: Response; body?: string; stoppedAt?: string }> {
    const hops: Hop[] = [];
    let current = url;
    for (let hop = 0; hop <= (options.maxHops ?? 6); hop++) {
      if (hop > 0 && options.stopAt?.(new URL(current))) return { hops, stoppedAt: current };
      const response = await this.fetch(
        current,
        hop === 0 && options.headers ? { headers: options.headers } : {},
      );
      const location = response.headers.get('location') ?? undefined;
      hops.push({ url: current, status: response.status, ...(location ? { location } : {}) });
      if (response.status < 300 || response.status >= 400 || !location)
        return { hops, response, body: await response.text() };
      current = new URL(location, current).toString();
    }
    throw new Error(`too many redirects from ${url}`);
  }

  private store(from: URL, line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const separator = pair!.indexOf('=');
    const name = pair!.slice(0, separator);
    const value = pair!.slice(separator + 1);
    let path = '/';
    let expired = false;
    for (const attribute of attributes) {
      const [key, attributeValue = ''] = attribute.split('=');
      if (key!.toLowerCase() === 'path') path = attributeValue;
      if (key!.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
      if (key!.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
    }
    const key = `${from.hostname}|${path}|${name}`;
    if (expired) this.cookies.delete(key);
    else this.cookies.set(key, { value, host: from.hostname, path });
  }
}
