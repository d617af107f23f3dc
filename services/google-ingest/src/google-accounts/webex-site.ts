import { primitives } from '@scheduler/contracts';

export type DirectorySite =
  | { readonly outcome: 'none' }
  | { readonly outcome: 'resolved'; readonly siteUrl: string }
  /** Set, but not a Webex site host: ignored and never fetched (SSRF guard). */
  | { readonly outcome: 'ignored'; readonly issue: string };

/**
 * The directory value as our WebexSiteUrl (a bare host such as "acme.webex.com"). Administrators
 * write it with or without "https://" and a trailing slash; anything beyond that (a path, a port,
 * credentials, another domain, another scheme) fails the allow-list pattern and is ignored.
 */
export function directorySite(value: string | undefined): DirectorySite {
  if (value === undefined || value.trim() === '') return { outcome: 'none' };
  const host = value
    .trim()
    .replace(/^https:\/\//i, '')
    .replace(/\/$/, '')
    .toLowerCase();
  const parsed = primitives.WebexSiteUrl.safeParse(host);
  if (!parsed.success) return { outcome: 'ignored', issue: 'not a Webex site host such as "acme.webex.com"' };
  return { outcome: 'resolved', siteUrl: parsed.data };
}
