import { primitives } from '@scheduler/contracts';
import { WebexSiteNotAllowedError } from './errors.js';

/**
 * The allow-list check (an SSRF guard: we only ever call Webex hosts): a site is a bare host
 * `<name>.webex.com`. Directory entries often hold a URL ("https://acme.webex.com/"), and people/me lists
 * "acme.webex.com#host", so the scheme, one trailing slash and a `#role` suffix are dropped
 * first. Anything else (a path, a port, credentials, another domain) is refused.
 */
export function allowedWebexSite(
  raw: string,
  context: { userId: string; source: 'directory' | 'webex-account' },
): string {
  const candidate = raw
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/$/, '')
    .replace(/#(host|attendee)$/, '');
  const parsed = primitives.WebexSiteUrl.safeParse(candidate);
  if (!parsed.success) throw new WebexSiteNotAllowedError(context.userId, context.source, raw.slice(0, 120));
  return parsed.data;
}
